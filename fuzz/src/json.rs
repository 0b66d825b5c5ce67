//! Arbitrary JSON values of bounded depth and width, with strings drawn partly from the MCP
//! vocabulary so that generated params hit the keys and names the server looks at.

use crate::vocabulary::{KEYS, STRINGS};
use arbitrary::{Arbitrary, Result, Unstructured};
use serde_json::{Map, Number, Value};

/// How deep generated values nest.
const MAX_DEPTH: u32 = 4;
/// How many elements an array or members an object has at most.
const MAX_WIDTH: usize = 5;

/// Any JSON value (bounded), for params, results, ids and error data.
#[derive(Debug, Clone, PartialEq)]
pub struct Json(pub Value);

impl<'a> Arbitrary<'a> for Json {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        value(u, MAX_DEPTH).map(Json)
    }
}

/// A JSON value nesting at most `depth` more levels.
pub fn value(u: &mut Unstructured<'_>, depth: u32) -> Result<Value> {
    let kinds = if depth == 0 { 5 } else { 7 };
    Ok(match u.int_in_range(0..=kinds)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::from(u.int_in_range(-3i64..=12)?),
        3 => number(u)?,
        4 | 5 => Value::String(string(u)?),
        6 => {
            let len = u.int_in_range(0..=MAX_WIDTH)?;
            let items = (0..len).map(|_| value(u, depth - 1));
            Value::Array(items.collect::<Result<_>>()?)
        }
        _ => Value::Object(object(u, depth - 1)?),
    })
}

/// An object whose keys are mostly MCP keys, with values nesting at most `depth` levels.
pub fn object(u: &mut Unstructured<'_>, depth: u32) -> Result<Map<String, Value>> {
    let len = u.int_in_range(0..=MAX_WIDTH)?;
    let mut map = Map::new();
    for _ in 0..len {
        let key = match u.ratio(3u8, 4)? {
            true => (*u.choose(KEYS)?).to_string(),
            false => u.arbitrary::<String>()?,
        };
        map.insert(key, value(u, depth)?);
    }
    Ok(map)
}

/// A number of any JSON-representable kind: small or extreme integers, unsigned beyond i64,
/// fractions, and integral floats.
pub fn number(u: &mut Unstructured<'_>) -> Result<Value> {
    Ok(match u.int_in_range(0..=4)? {
        0 => Value::from(u.arbitrary::<i64>()?),
        1 => Value::from(u.arbitrary::<u64>()?),
        2 => Value::from(f64::from(u.int_in_range(-4i32..=4)?)),
        3 => Value::from(f64::from(u.arbitrary::<i16>()?) / 8.0),
        // Non-finite floats have no JSON form; they become null as serde_json would make them.
        _ => Number::from_f64(u.arbitrary::<f64>()?).map_or(Value::Null, Value::Number),
    })
}

/// A string: mostly from the MCP vocabulary, otherwise anything.
pub fn string(u: &mut Unstructured<'_>) -> Result<String> {
    match u.ratio(1u8, 2)? {
        true => Ok((*u.choose(STRINGS)?).to_string()),
        false => u.arbitrary(),
    }
}
