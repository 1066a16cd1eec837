//! serde for [`Value`] (JSON's own data model, members kept in order), so the
//! action types that carry one derive serde too. It sits beside its only users,
//! and only with the `serde` feature: the shipped wasm never links it.

use crate::json::Value;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, Serializer};

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(n) => s.serialize_i64(*n),
            // A number kept as written: as an f64 when it reads as one, else its text.
            Value::Num(t) => match t.parse::<f64>() {
                Ok(f) => s.serialize_f64(f),
                Err(_) => s.serialize_str(t),
            },
            Value::Str(t) => s.serialize_str(t),
            Value::Arr(items) => s.collect_seq(items),
            Value::Obj(m) => members::serialize(m, s),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Int(n))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(i64::try_from(n).map_or_else(|_| Value::Num(n.to_string()), Value::Int))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Num(f.to_string()))
    }
    fn visit_str<E>(self, t: &str) -> Result<Value, E> {
        Ok(Value::Str(String::from(t)))
    }
    fn visit_string<E>(self, t: String) -> Result<Value, E> {
        Ok(Value::Str(t))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut m = Vec::new();
        while let Some(kv) = map.next_entry()? {
            m.push(kv);
        }
        Ok(Value::Obj(m))
    }
}

/// Object members `[(name, value)]` as a map, in order (for `#[serde(with)]`).
pub mod members {
    use super::{Deserialize, Deserializer, Serializer, String, Value, Vec};

    pub fn serialize<S: Serializer>(m: &[(String, Value)], s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(m.iter().map(|(k, v)| (k, v)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, Value)>, D::Error> {
        match Value::deserialize(d)? {
            Value::Obj(m) => Ok(m),
            _ => Err(serde::de::Error::custom("expected an object")),
        }
    }
}
