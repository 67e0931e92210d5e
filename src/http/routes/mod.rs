//! One file per resource.

pub mod achievements;
pub mod admin;
pub mod badges;
pub mod contexts;
pub mod credentials;
pub mod health;
pub mod issuers;
pub mod oid4vci;
pub mod pages;
pub mod public;
pub mod status;
pub mod vcapi;
pub mod verify;
