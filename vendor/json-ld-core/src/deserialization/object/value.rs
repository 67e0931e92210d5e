use linked_data::{
	xsd_types, CowRdfTerm, LinkedData, LinkedDataGraph, LinkedDataPredicateObjects,
	LinkedDataResource, LinkedDataSubject, RdfLiteral, RdfLiteralRef, ResourceInterpretation,
};
use rdf_types::{Interpretation, LiteralTypeRef, Term, Vocabulary};

use crate::{object::Literal, Value};

impl<V: Vocabulary, I: Interpretation> LinkedDataResource<I, V> for Value<V::Iri> {
	fn interpretation(
		&self,
		vocabulary: &mut V,
		_interpretation: &mut I,
	) -> ResourceInterpretation<'_, I, V> {
		let term = match self {
			Self::Literal(l, ty) => match l {
				Literal::Null => CowRdfTerm::Owned(Term::Literal(RdfLiteral::Xsd(
					xsd_types::Value::String("null".to_string()),
				))),
				// microcred patch: JSON-LD 1.1 "Object to RDF Conversion" keeps the
				// coerced datatype of a native boolean (e.g. OB 3.0 `hashed`, typed
				// with an https xsd IRI), as jsonld.js does.
				Literal::Boolean(b) => match ty {
					Some(ty) => CowRdfTerm::Borrowed(Term::Literal(RdfLiteralRef::Any(
						if *b { "true" } else { "false" },
						LiteralTypeRef::Any(ty),
					))),
					None => CowRdfTerm::Owned(Term::Literal(RdfLiteral::Xsd(
						xsd_types::Value::Boolean((*b).into()),
					))),
				},
				// microcred patch: a native number with a coerced datatype gets the
				// lexical form the JSON-LD 1.1 algorithm prescribes (integer form
				// when it has no fraction and is below 1e21, else canonical double
				// form such as `7.5E0`), whatever the datatype IRI, as jsonld.js does.
				Literal::Number(n) => match ty {
					Some(ty) => {
						let iri = vocabulary.iri(ty);
						let force_double = iri.is_some_and(|iri| iri.as_str() == XSD_DOUBLE);
						let lexical = json_ld_number_lexical(n.as_f64_lossy(), force_double);
						match iri.and_then(|iri| vocabulary.get(iri)) {
							Some(owned) => CowRdfTerm::Owned(Term::Literal(RdfLiteral::Any(
								lexical,
								rdf_types::LiteralType::Any(owned),
							))),
							None => CowRdfTerm::Borrowed(Term::Literal(RdfLiteralRef::Any(
								n.as_str(),
								LiteralTypeRef::Any(ty),
							))),
						}
					}
					None => {
						let f = n.as_f64_lossy();
						let value = match n.as_i64() {
							Some(i) => xsd_types::Value::Integer(i.into()),
							None if f.fract() == 0.0 && f.abs() < 9.0e15 => {
								xsd_types::Value::Integer((f as i64).into())
							}
							None => xsd_types::Value::Double(f.into()),
						};

						CowRdfTerm::Owned(Term::Literal(RdfLiteral::Xsd(value)))
					}
				},
				Literal::String(s) => CowRdfTerm::Borrowed(Term::Literal(match ty {
					Some(ty) => RdfLiteralRef::Any(s.as_str(), LiteralTypeRef::Any(ty)),
					None => RdfLiteralRef::Xsd(xsd_types::ValueRef::String(s)),
				})),
			},
			Self::LangString(s) => match s.language().and_then(|l| l.as_well_formed()) {
				Some(tag) => CowRdfTerm::Owned(Term::Literal(RdfLiteral::Any(
					s.as_str().to_owned(),
					rdf_types::LiteralType::LangString(tag.to_owned()),
				))),
				None => CowRdfTerm::Borrowed(Term::Literal(RdfLiteralRef::Xsd(
					xsd_types::ValueRef::String(s.as_str()),
				))),
			},
			Self::Json(json) => CowRdfTerm::Borrowed(Term::Literal(RdfLiteralRef::Json(json))),
		};

		ResourceInterpretation::Uninterpreted(Some(term))
	}
}

const XSD_DOUBLE: &str = "http://www.w3.org/2001/XMLSchema#double";

/// The lexical form JSON-LD 1.1 gives a native number (toRDF, "Object to RDF
/// Conversion", steps 10-11), matching jsonld.js: `toFixed(0)` for integral values
/// below 1e21, otherwise `toExponential(15)` with trailing zeros dropped (`7.5E0`).
pub fn json_ld_number_lexical(f: f64, force_double: bool) -> String {
	if !force_double && f.fract() == 0.0 && f.abs() < 1e21 {
		return format!("{f:.0}");
	}
	let s = format!("{f:.15e}");
	let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
	let mantissa = match mantissa.split_once('.') {
		Some((int, frac)) => {
			let frac = frac.trim_end_matches('0');
			format!("{int}.{}", if frac.is_empty() { "0" } else { frac })
		}
		None => format!("{mantissa}.0"),
	};
	format!("{mantissa}E{exponent}")
}

impl<T, V: Vocabulary, I: Interpretation> LinkedDataSubject<I, V> for Value<T> {
	fn visit_subject<S>(&self, visitor: S) -> Result<S::Ok, S::Error>
	where
		S: linked_data::SubjectVisitor<I, V>,
	{
		visitor.end()
	}
}

impl<T, V: Vocabulary, I: Interpretation> LinkedDataPredicateObjects<I, V> for Value<T> {
	fn visit_objects<S>(&self, visitor: S) -> Result<S::Ok, S::Error>
	where
		S: linked_data::PredicateObjectsVisitor<I, V>,
	{
		visitor.end()
	}
}

impl<V: Vocabulary, I: Interpretation> LinkedDataGraph<I, V> for Value<V::Iri> {
	fn visit_graph<S>(&self, mut visitor: S) -> Result<S::Ok, S::Error>
	where
		S: linked_data::GraphVisitor<I, V>,
	{
		visitor.subject(self)?;
		visitor.end()
	}
}

impl<V: Vocabulary, I: Interpretation> LinkedData<I, V> for Value<V::Iri> {
	fn visit<S>(&self, mut visitor: S) -> Result<S::Ok, S::Error>
	where
		S: linked_data::Visitor<I, V>,
	{
		visitor.default_graph(self)?;
		visitor.end()
	}
}
