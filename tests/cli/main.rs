//! The command-line contract: output shapes, exit codes, files, and bad input.
#![expect(clippy::expect_used, reason = "tests and examples fail loudly on broken inputs")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_microcred"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run microcred")
}

fn run_stdin(args: &[&str], input: &str) -> Output {
    let mut child =
        bin().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write");
    child.wait_with_output().expect("wait")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn own(name: &str) -> Vec<Value> {
    serde_json::from_str(&std::fs::read_to_string(root().join("tests/fixtures").join(name)).expect("read"))
        .expect("json")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p.to_str().expect("utf-8").to_owned()
}

const TODAY: &str = "2025-09-01";

#[test]
fn every_command_has_help_with_examples() {
    for args in [
        &["--help"][..],
        &["validate", "--help"],
        &["issue", "--help"],
        &["verify", "--help"],
        &["keys", "generate", "--help"],
        &["keys", "did-document", "--help"],
        &["apikeys", "list", "--help"],
        &["apikeys", "revoke", "--help"],
    ] {
        let o = run(args);
        assert!(o.status.success(), "{args:?}");
        assert!(stdout(&o).contains("Example"), "{args:?}: {}", stdout(&o));
    }
}

#[test]
fn validate_prints_one_report_per_record_and_exits_by_validity() {
    let dir = tempfile::tempdir().expect("tmp");
    let valid = own("valid.json");
    let invalid = own("invalid.json");
    let one = write(dir.path(), "one.json", &valid[0].to_string());
    let o = run(&["validate", &one, "--today", TODAY]);
    assert_eq!(o.status.code(), Some(0));
    let report: Value = serde_json::from_str(stdout(&o).trim()).expect("one line of JSON");
    assert_eq!(report["valid"], true);
    assert!(report["errors"].as_array().expect("errors").is_empty());

    let mixed = write(
        dir.path(),
        "mixed.json",
        &Value::Array(vec![valid[0].clone(), invalid[3].clone(), valid[1].clone()]).to_string(),
    );
    let o = run(&["validate", &mixed, "--today", TODAY]);
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).expect("line is JSON")).collect();
    assert_eq!(lines.iter().map(|l| l["valid"].as_bool()).collect::<Vec<_>>(), [Some(true), Some(false), Some(true)]);
    let e = &lines[1]["errors"][0];
    for k in ["rule", "code", "path", "message"] {
        assert!(e[k].is_string(), "{k}");
    }
}

#[test]
fn validate_reports_each_piped_record_before_the_input_ends() {
    use std::io::BufRead;
    let valid = own("valid.json");
    let mut child = bin()
        .args(["validate", "-", "--today", TODAY])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, reports) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // One record at a time, the input left open: each report must come before the next
    // record is even written.
    for (i, record) in valid.iter().take(3).enumerate() {
        writeln!(stdin, "{record}").expect("write");
        stdin.flush().expect("flush");
        let report = reports.recv_timeout(std::time::Duration::from_secs(30));
        let report: Value = serde_json::from_str(
            &report.unwrap_or_else(|_| panic!("no report for record {i} while the input is open")),
        )
        .expect("a report");
        assert_eq!(report["valid"], true, "record {i}: {report}");
    }
    drop(stdin);
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn the_issued_in_future_rule_uses_the_injected_today() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = write(dir.path(), "r.json", &own("valid.json")[0].to_string()); // issued 2025-06-20
    assert_eq!(run(&["validate", &f, "--today", "2025-06-19"]).status.code(), Some(1));
    assert_eq!(run(&["validate", &f, "--today", "2025-06-20"]).status.code(), Some(0));
}

#[test]
fn unreadable_or_non_json_input_exits_2_with_a_message_and_never_panics() {
    let dir = tempfile::tempdir().expect("tmp");
    let cases = [
        ("truncated", "{\"microcredential\": {"),
        ("not-json", "hello"),
        ("empty", ""),
        ("binary", "\u{0}\u{1}\u{2}\u{fffd}"),
    ];
    for (name, text) in cases {
        let f = write(dir.path(), name, text);
        for cmd in ["validate", "issue"] {
            let mut args = vec![cmd, f.as_str()];
            if cmd == "issue" {
                args.extend(["--key", "keys-example/demo-issuer.jwk"]);
            }
            let o = bin().current_dir(root()).args(&args).output().expect("run");
            assert_eq!(o.status.code(), Some(2), "{cmd} {name}: {}", stderr(&o));
            assert!(stderr(&o).contains("error:") && !stderr(&o).contains("panicked"), "{cmd} {name}: {}", stderr(&o));
            assert!(stdout(&o).is_empty(), "{cmd} {name}");
        }
    }
    let o = run(&["validate", "/nonexistent/record.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read /nonexistent/record.json"));
}

#[test]
fn wrong_types_unknown_fields_and_huge_strings_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let wrong = write(dir.path(), "wrong.json", r#"{"microcredential": 5, "award": []}"#);
    let o = run(&["validate", &wrong]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("format.wrong_type"));

    let mut rec = own("valid.json")[0].clone();
    rec["microcredential"]["title_nl"] = "x".repeat(10 * 1024 * 1024).into();
    rec["microcredential"]["colour"] = "blue".into();
    let huge = write(dir.path(), "huge.json", &rec.to_string());
    let o = run(&["validate", &huge, "--today", TODAY]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("format.too_long") && out.contains("format.unknown_field") && out.len() < 10_000,
        "{}",
        &out[..out.len().min(500)]
    );
}

#[test]
fn issue_of_an_invalid_record_prints_no_credential_and_the_report_on_stderr() {
    let dir = tempfile::tempdir().expect("tmp");
    let batch = Value::Array(vec![own("valid.json")[0].clone(), own("invalid.json")[0].clone()]);
    let f = write(dir.path(), "batch.json", &batch.to_string());
    let o = bin()
        .current_dir(root())
        .args(["issue", &f, "--key", "keys-example/demo-issuer.jwk", "--today", TODAY])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("title.missing") && stderr(&o).contains("\"index\":1"), "{}", stderr(&o));
}

#[test]
fn issue_then_verify_round_trips_in_both_formats_with_the_did_web_demo_key() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = write(dir.path(), "valid.json", &Value::Array(own("valid.json")).to_string());
    for (format, key) in [
        ("ldp", "keys-example/demo-issuer.jwk"),
        ("jwt", "keys-example/demo-issuer.jwk"),
        ("jwt", "keys-example/demo-issuer-rsa.jwk"),
    ] {
        let out = dir.path().join(format!("{format}.txt"));
        let o = bin()
            .current_dir(root())
            .args(["issue", &f, "--key", key, "--format", format, "--today", TODAY, "--out", out.to_str().expect("p")])
            .output()
            .expect("run");
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(stdout(&o).is_empty());
        let text = std::fs::read_to_string(&out).expect("out");
        assert_eq!(text.lines().count(), own("valid.json").len());
        for line in text.lines() {
            let o = bin()
                .current_dir(root())
                .args(["verify", "-", "--did-doc", "keys-example/did.json"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .and_then(|mut c| {
                    c.stdin.take().expect("stdin").write_all(line.as_bytes())?;
                    c.wait_with_output()
                })
                .expect("verify");
            assert_eq!(o.status.code(), Some(0), "{format} {key}: {}", stdout(&o));
            let report: Value = serde_json::from_str(stdout(&o).trim()).expect("report");
            assert_eq!(report["format"], format);
            assert_eq!(report["issuer"], "did:web:localhost%3A8080:issuers:demo");
        }
        // Without the DID document, the did:web key cannot be resolved (never fetched).
        let first = text.lines().next().expect("line");
        let o = run_stdin(&["verify", "-"], first);
        assert_eq!(o.status.code(), Some(1));
        assert!(stdout(&o).contains("key.unresolvable"));
    }
}

#[test]
fn an_rsa_key_cannot_make_a_data_integrity_proof() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = write(dir.path(), "r.json", &own("valid.json")[0].to_string());
    let o = bin()
        .current_dir(root())
        .args(["issue", &f, "--key", "keys-example/demo-issuer-rsa.jwk", "--today", TODAY])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("Ed25519") && stderr(&o).contains("--format jwt"), "{}", stderr(&o));
}

#[test]
fn verify_refuses_alg_none_and_garbage_with_exit_1() {
    use base64::Engine;
    let b64 = base64::prelude::BASE64_URL_SAFE_NO_PAD;
    let none = format!("{}.{}.", b64.encode(r#"{"alg":"none","typ":"JWT"}"#), b64.encode(r#"{"iss":"did:key:x"}"#));
    let o = run_stdin(&["verify", "-"], &none);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("jwt.alg_not_allowed"));
    let o = run_stdin(&["verify", "-"], "not a credential");
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("format.unrecognized"));
}

#[cfg(unix)]
#[test]
fn keys_generate_writes_a_0600_private_jwk_prints_its_did_and_never_overwrites() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tmp");
    for (alg, prefix) in [("ed25519", "did:key:z6Mk"), ("rs256", "did:key:z4MX")] {
        let out = dir.path().join(format!("{alg}.jwk"));
        let o = run(&["keys", "generate", "--alg", alg, "--out", out.to_str().expect("p")]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).trim().starts_with(prefix), "{}", stdout(&o));
        let mode = std::fs::metadata(&out).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let jwk: Value = serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("jwk");
        assert!(jwk["d"].is_string());
        let again = run(&["keys", "generate", "--alg", alg, "--out", out.to_str().expect("p")]);
        assert_eq!(again.status.code(), Some(2));
    }
}

#[test]
fn batches_stream_as_arrays_or_json_lines_in_input_order_and_are_all_or_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let valid = own("valid.json");
    // 1,100 records: more than two chunks of parallel work; order must survive.
    let many: Vec<Value> = (0..1100).map(|i| valid[i % valid.len()].clone()).collect();
    let names: Vec<String> =
        many.iter().map(|r| r["award"]["learner"]["family_name"].as_str().unwrap_or_default().to_owned()).collect();
    let lines: String = many.iter().map(|r| format!("{r}\n")).collect();
    for (name, text) in [("array.json", Value::Array(many.clone()).to_string()), ("lines.jsonl", lines.clone())] {
        let f = write(dir.path(), name, &text);
        let out = dir.path().join(format!("{name}.out"));
        let o = bin()
            .current_dir(root())
            .args(["issue", &f, "--key", "keys-example/demo-issuer.jwk", "--today", TODAY, "--out"])
            .arg(&out)
            .output()
            .expect("run");
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains("issued 1100 credential(s)"), "{}", stderr(&o));
        let text = std::fs::read_to_string(&out).expect("output");
        let got: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("credential")).collect();
        assert_eq!(got.len(), 1100);
        // Every credential has its own identifier and its own salt for each hashed
        // identity, whichever worker and generator made it.
        let ids: std::collections::HashSet<&str> = got.iter().filter_map(|c| c["id"].as_str()).collect();
        assert_eq!(ids.len(), 1100, "{name}: credential ids repeat");
        let salts: Vec<&str> = got
            .iter()
            .flat_map(|c| c["credentialSubject"]["identifier"].as_array().into_iter().flatten())
            .filter_map(|i| i["salt"].as_str())
            .collect();
        let distinct: std::collections::HashSet<&&str> = salts.iter().collect();
        assert!(
            salts.len() >= 1100 && distinct.len() == salts.len(),
            "{name}: salts repeat ({} of {})",
            distinct.len(),
            salts.len()
        );
        for (c, want) in got.iter().zip(&names) {
            let name = c["credentialSubject"]["identifier"]
                .as_array()
                .and_then(|ids| ids.iter().find(|i| i["identityType"] == "name"))
                .and_then(|i| i["identityHash"].as_str())
                .unwrap_or_default();
            assert!(name.ends_with(want.as_str()), "order: {name} vs {want}");
        }
    }
    // One invalid line among many: its index is reported, nothing is written.
    let mut bad = many.clone();
    bad[700] = own("invalid.json")[0].clone();
    let text: String = bad.iter().map(|r| format!("{r}\n")).collect();
    let f = write(dir.path(), "bad.jsonl", &text);
    let out = dir.path().join("bad.out");
    let o = bin()
        .current_dir(root())
        .args(["issue", &f, "--key", "keys-example/demo-issuer.jwk", "--today", TODAY, "--out"])
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("\"index\":700") && stderr(&o).contains("1 of 1100 record(s)"), "{}", stderr(&o));
    assert!(!out.exists(), "nothing is issued when a record is invalid");
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 5, "no temporary file is left behind");
    // Broken JSON in the middle of a streamed array: exit 2, nothing on stdout.
    let broken = format!("[{},{{\"microcredential\": ", valid[0]);
    let o = run_stdin(&["issue", "-", "--key", "keys-example/demo-issuer.jwk", "--today", TODAY], &broken);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stdout(&o).is_empty() && stderr(&o).contains("not valid JSON"), "{}", stderr(&o));
}

#[test]
fn verify_judges_what_was_signed_an_expired_credential_respelt_stays_expired() {
    let dir = tempfile::tempdir().expect("tmp");
    let record = write(dir.path(), "r.json", &own("valid.json")[0].to_string());
    let key = dir.path().join("k.jwk");
    let o = run(&["keys", "generate", "--out", key.to_str().expect("p")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o =
        run(&["issue", &record, "--key", key.to_str().expect("p"), "--today", TODAY, "--valid-until", "2025-10-01"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let issued: Value = serde_json::from_str(stdout(&o).trim()).expect("credential");
    let verify = |c: &Value| {
        let o = run_stdin(&["verify", "-", "--now", "2025-12-01T00:00:00Z"], &c.to_string());
        (o.status.code(), serde_json::from_str::<Value>(stdout(&o).trim()).expect("report"))
    };
    let codes =
        |r: &Value| r["errors"].as_array().expect("errors").iter().map(|e| e["code"].clone()).collect::<Vec<_>>();
    let (code, report) = verify(&issued);
    assert_eq!((code, codes(&report)), (Some(1), vec![Value::from("validity.expired")]));
    let mut respelt = issued.clone();
    let o = respelt.as_object_mut().expect("object");
    let until = o.shift_remove("validUntil").expect("validUntil");
    o.insert(
        "https://www.w3.org/2018/credentials#validUntil".into(),
        serde_json::json!({"@value": until, "@type": "http://www.w3.org/2001/XMLSchema#dateTime"}),
    );
    let (code, report) = verify(&respelt);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(codes(&report), vec![Value::from("jsonld.non_canonical_form")], "{report}");
    assert_eq!(report["errors"][0]["path"], "/https:~1~1www.w3.org~12018~1credentials#validUntil", "{report}");
}

/// Issues every record of `valid.json` with the demo key; the credentials, one per line.
fn issue_all(dir: &Path, format: &str) -> Vec<String> {
    let f = write(dir, &format!("records-{format}.json"), &Value::Array(own("valid.json")).to_string());
    let o = bin()
        .current_dir(root())
        .args(["issue", &f, "--key", "keys-example/demo-issuer.jwk", "--format", format, "--today", TODAY])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o).lines().map(str::to_owned).collect()
}

#[test]
fn bake_and_unbake_round_trip_through_png_and_svg_and_verify_reads_the_image() {
    let dir = tempfile::tempdir().expect("tmp");
    let ldp = issue_all(dir.path(), "ldp").remove(0);
    let jwt = issue_all(dir.path(), "jwt").remove(0);
    let c = write(dir.path(), "c.json", &ldp);
    let t = write(dir.path(), "c.jwt", &jwt);
    let png = dir.path().join("b.png");
    let svg = dir.path().join("b.svg");
    let p = png.to_str().expect("p");
    let s = svg.to_str().expect("p");
    for (cred, out) in [(&c, p), (&t, s)] {
        let o = run(&["bake", cred, "--out", out]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let o = run(&["unbake", p]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let back: Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!(back, serde_json::from_str::<Value>(&ldp).expect("json"));
    assert_eq!(stdout(&run(&["unbake", s])).trim(), jwt);
    // Re-baking into the baked PNG replaces the credential.
    let o = run(&["bake", &t, "--image", p, "--out", p]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&run(&["unbake", p])).trim(), jwt);
    let bytes = std::fs::read(&png).expect("png");
    assert_eq!(bytes.windows(19).filter(|w| *w == b"openbadgecredential").count(), 1);
    // verify reads the image.
    let o =
        bin().current_dir(root()).args(["verify", p, s, "--did-doc", "keys-example/did.json"]).output().expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(stdout(&o).lines().count(), 2);
    // No credential: exit 1; not an image: exit 2; a mismatched --out: exit 2.
    let plain = write(dir.path(), "plain.svg", r#"<svg xmlns="http://www.w3.org/2000/svg"/>"#);
    let o = run(&["unbake", &plain]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no baked credential"), "{}", stderr(&o));
    let o = run(&["unbake", &c]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a PNG or SVG"), "{}", stderr(&o));
    let o = run(&["bake", &c, "--image", p, "--out", &dir.path().join("x.svg").display().to_string()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn verify_takes_many_credentials_and_reports_each_in_input_order() {
    let dir = tempfile::tempdir().expect("tmp");
    let ldp = issue_all(dir.path(), "ldp");
    let jwt = issue_all(dir.path(), "jwt");
    // A tampered credential in the middle of the JSON lines.
    let mut lines = ldp.clone();
    let bad = lines.len() / 2;
    let mut tampered: Value = serde_json::from_str(&lines[bad]).expect("json");
    tampered["name"] = Value::String("Something else entirely".into());
    lines[bad] = tampered.to_string();
    let jsonl = write(dir.path(), "c.jsonl", &lines.join("\n"));
    let array: Vec<Value> = jwt.iter().map(|j| Value::String(j.clone())).collect();
    let arr = write(dir.path(), "c.json", &Value::Array(array).to_string());
    let one = write(
        dir.path(),
        "one.json",
        &serde_json::to_string_pretty(&serde_json::from_str::<Value>(&ldp[0]).expect("j")).expect("j"),
    );
    let o = bin()
        .current_dir(root())
        .args(["verify", &jsonl, &arr, &one, "--did-doc", "keys-example/did.json"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1), "one is not valid");
    let reports: Vec<Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).expect("report")).collect();
    assert_eq!(reports.len(), ldp.len() + jwt.len() + 1);
    for (i, r) in reports.iter().enumerate() {
        assert_eq!(r["valid"], i != bad, "report {i}");
        let want = if i < ldp.len() || i == reports.len() - 1 { "ldp" } else { "jwt" };
        assert_eq!(r["format"], want, "report {i} in input order");
    }
    // Without the tampered one, everything is valid: exit 0.
    let good = write(dir.path(), "good.jsonl", &ldp.join("\n"));
    let o = bin()
        .current_dir(root())
        .args(["verify", &good, &arr, "--did-doc", "keys-example/did.json"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // A lone malformed credential is one report, as before.
    let o = run_stdin(&["verify", "-"], "{\n  \"broken\": \n");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o).lines().count(), 1);
    assert!(stdout(&o).contains("format.malformed_json"), "{}", stdout(&o));
}

#[test]
fn cli_errors_say_each_thing_once_and_name_the_option_that_helps() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = write(dir.path(), "r.json", &own("valid.json")[0].to_string());
    // A missing key file: the OS error once.
    let o = bin().current_dir(root()).args(["issue", &f, "--key", "nosuch.jwk"]).output().expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
    assert!(err.contains("nosuch.jwk"), "{err}");
    // An RSA key for a Data Integrity proof: said once, and not blamed on reading the record.
    let o = bin()
        .current_dir(root())
        .args(["issue", &f, "--key", "keys-example/demo-issuer-rsa.jwk", "--today", TODAY])
        .output()
        .expect("run");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(err.matches("Ed25519").count(), 1, "{err}");
    assert!(!err.contains("reading"), "{err}");
    // verify of a did:web credential without --did-doc says which option resolves it.
    let ldp = issue_all(dir.path(), "ldp").remove(0);
    let o = run_stdin(&["verify", "-"], &ldp);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--did-doc"), "{}", stderr(&o));
    let doc = root().join("keys-example/did.json");
    let o = run_stdin(&["verify", "-", "--did-doc", doc.to_str().expect("p")], &ldp);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(!stderr(&o).contains("hint"), "{}", stderr(&o));
}

#[test]
fn the_readme_sample_verify_output_is_what_verify_prints() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let sample = readme
        .lines()
        .skip_while(|l| !l.starts_with("$ microcred verify credential.json --did-doc keys-example/did.json"))
        .nth(1)
        .expect("the README has a sample verify output");
    let dir = tempfile::tempdir().expect("tmp");
    let o = bin()
        .current_dir(root())
        .args(["issue", "tests/fixtures/record-example.json", "--key", "keys-example/demo-issuer.jwk"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let c = write(dir.path(), "credential.json", &stdout(&o));
    let o = bin().current_dir(root()).args(["verify", &c, "--did-doc", "keys-example/did.json"]).output().expect("run");
    let real: Value = serde_json::from_str(stdout(&o).trim()).expect("report");
    let shown: Value = serde_json::from_str(sample).expect("the README sample is JSON");
    assert_eq!(shown, real, "README sample\n{sample}\nreal\n{}", stdout(&o));
    assert_eq!(sample, stdout(&o).trim(), "the same text, key order included");
}

#[test]
fn serve_logs_its_address_plainly_the_key_it_really_uses_and_a_base_url_that_misses() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().expect("tmp");
    let mut child = bin()
        .args(["serve"])
        .env("MICROCRED_SERVER__PORT", "0")
        .env("MICROCRED_SERVER__BASE_URL", "http://localhost:1")
        .env("MICROCRED_DATABASE__URL", format!("sqlite://{}", dir.path().join("db.sqlite").display()))
        .env("MICROCRED_KEYS__DIR", dir.path().join("keys"))
        .env("MICROCRED_KEYS__DEMO_KEY", dir.path().join("no-such-demo-key.jwk"))
        .env("MICROCRED_LOG__FILTER", "info")
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Outside readiness: read the log until the base URL warning, with a hard deadline.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut log = String::new();
    while !log.contains("share links, QR codes and DIDs will not reach it") {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => log.push_str(&format!("{}\n", strip_ansi(&line))),
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(log.contains("microcred is listening"), "{log}");
    assert!(!log.contains("Some("), "the address is printed plainly: {log}");
    assert!(regex_free_contains_address(&log), "{log}");
    assert!(log.contains("throw-away key") && !log.contains("PUBLIC demo key"), "{log}");
    assert!(log.contains("MICROCRED_SERVER__BASE_URL"), "{log}");
}

/// The text without ANSI colour sequences (`ESC [ … m`).
fn strip_ansi(line: &str) -> String {
    let mut out = String::new();
    let mut in_seq = false;
    for c in line.chars() {
        match (in_seq, c) {
            (false, '\u{1b}') => in_seq = true,
            (true, 'm') => in_seq = false,
            (true, _) => {}
            (false, c) => out.push(c),
        }
    }
    out
}

/// `address=127.0.0.1:PORT` in the log line.
fn regex_free_contains_address(log: &str) -> bool {
    log.lines().filter(|l| l.contains("microcred is listening")).any(|l| {
        l.split_whitespace().any(|w| {
            w.strip_prefix("address=127.0.0.1:").is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        })
    })
}

#[test]
fn an_output_that_is_not_a_regular_file_is_written_to_not_replaced() {
    // `--out /dev/null` (or a FIFO) must stay what it is: the credentials are written
    // into it at the end instead of a temporary file being renamed onto it.
    let dir = tempfile::tempdir().expect("tmp");
    let fifo = dir.path().join("credentials.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("SKIP: mkfifo is not available");
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).expect("read the FIFO"))
    };
    let record = write(dir.path(), "r.json", &own("valid.json")[0].to_string());
    let o = bin()
        .current_dir(root())
        .args(["issue", &record, "--key", "keys-example/demo-issuer.jwk", "--today", TODAY, "--out"])
        .arg(&fifo)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = reader.join().expect("reader");
    let c: Value = serde_json::from_str(text.trim()).expect("one credential");
    assert!(c["proof"].is_array(), "{text}");
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).expect("still there").file_type().is_fifo(), "the FIFO was replaced");
}
