//! YAML nodes as CEL values, as the API server hands an object to CEL.
//!
//! YAML nodes as CEL values, as the API server hands an object to CEL: mappings are maps with
//! string keys, sequences are lists, scalars decode the YAML 1.1 way go-yaml does (`yes` is
//! `true`, `0x10` is `16`).

use std::collections::HashMap;
use std::sync::Arc;

use cel::Value;
use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString,
};
use cel::common::value::Val;
use cel::objects::Key;

use crate::yaml::{NodeRef, Value as Scalar};

/// A node as a CEL value that borrows the document's text (no string is copied).
pub(crate) fn borrowed<'d>(n: NodeRef<'d>) -> Box<dyn Val + 'd> {
    if n.is_map() {
        let map: HashMap<CelMapKey<'d>, Box<dyn Val + 'd>> = n
            .entries()
            .map(|(k, v)| (CelMapKey::from(k), borrowed(v)))
            .collect();
        return Box::new(CelMap::from(map));
    }
    if n.is_seq() {
        let list: Vec<Box<dyn Val + 'd>> = n.items().map(borrowed).collect();
        return Box::new(CelList::from(list));
    }
    match n.value() {
        None | Some(Scalar::Null) => Box::new(CelNull),
        Some(Scalar::Bool(b)) => Box::new(CelBool::from(b)),
        Some(Scalar::Int(i)) => Box::new(CelInt::from(i)),
        Some(Scalar::Float(f)) => Box::new(CelDouble::from(f)),
        Some(Scalar::Str(s)) => Box::new(CelString::from(s)),
    }
}

/// A node as an owned CEL value (for objects kept across files: Namespaces and params).
pub(crate) fn owned(n: NodeRef<'_>) -> Value {
    if n.is_map() {
        let map: HashMap<Key, Value> = n
            .entries()
            .map(|(k, v)| (Key::String(Arc::new(k.to_owned())), owned(v)))
            .collect();
        return Value::Map(map.into());
    }
    if n.is_seq() {
        return Value::List(Arc::new(n.items().map(owned).collect()));
    }
    match n.value() {
        None | Some(Scalar::Null) => Value::Null,
        Some(Scalar::Bool(b)) => Value::Bool(b),
        Some(Scalar::Int(i)) => Value::Int(i),
        Some(Scalar::Float(f)) => Value::Float(f),
        Some(Scalar::Str(s)) => Value::String(Arc::new(s.to_owned())),
    }
}

/// A map of string keys to values.
pub(crate) fn map<'a>(entries: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    let map: HashMap<Key, Value> = entries
        .into_iter()
        .map(|(k, v)| (Key::String(Arc::new(k.to_owned())), v))
        .collect();
    Value::Map(map.into())
}

/// A string value.
pub(crate) fn string(s: &str) -> Value {
    Value::String(Arc::new(s.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_scalars_decode_as_go_yaml_does() {
        let text = "a: yes\nb: 0x10\nc: '1'\nd: 1.5\ne: ~\nf: [x, {g: h}]\n";
        let stream = crate::yaml::parse_stream(text);
        let root = stream.docs[0].root();
        let v = Value::try_from(borrowed(root).as_ref()).unwrap();
        assert_eq!(v, owned(root));
        let Value::Map(m) = v else { panic!("{v:?}") };
        let get = |k: &str| m.map.get(&Key::String(Arc::new(k.to_owned()))).cloned();
        assert_eq!(get("a"), Some(Value::Bool(true)));
        assert_eq!(get("b"), Some(Value::Int(16)));
        assert_eq!(get("c"), Some(string("1")));
        assert_eq!(get("d"), Some(Value::Float(1.5)));
        assert_eq!(get("e"), Some(Value::Null));
        assert!(matches!(get("f"), Some(Value::List(l)) if l.len() == 2));
    }
}
