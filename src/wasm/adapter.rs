//! [`Storage`] over a JS object supplied by the user (the storage-adapter
//! interface: Durable Objects, KV stores, files in Node, tests).
//!
//! The object has three async methods (see `StorageAdapter` in
//! `src/js/conifer.d.ts`):
//! - `get(key)` → `Uint8Array | undefined`
//! - `scan(prefix)` → `Array<[key, Uint8Array]>` in key order
//! - `commit(ops)` → applies `{type: "put", key, value}`,
//!   `{type: "delete", key}` and `{type: "deletePrefix", key}` atomically
//!
//! Keys are arrays of strings and non-negative integers, compared element by
//! element with numbers before strings (IndexedDB's array-key order).

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::error::{Error, Result};
use crate::store::{Key, Op, Part, Storage};

pub struct JsAdapter {
    obj: JsValue,
    get: Function,
    scan: Function,
    commit: Function,
}

fn method(obj: &JsValue, name: &str) -> Result<Function> {
    Reflect::get(obj, &name.into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| Error::Argument(format!("The storage adapter must have an async `{name}` method.")))
}

fn js_err(context: &str, e: JsValue) -> Error {
    let msg = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"));
    let quota = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| e.name() == "QuotaExceededError")
        .unwrap_or(false);
    if quota {
        Error::QuotaExceeded(format!("Storage quota exceeded during {context}: {msg}"))
    } else {
        Error::Storage(format!("storage adapter {context} failed: {msg}"))
    }
}

pub fn key_to_js(key: &[Part]) -> Array {
    key.iter()
        .map(|p| match p {
            Part::Int(n) => JsValue::from_f64(*n as f64),
            Part::Str(s) => JsValue::from_str(s),
        })
        .collect()
}

/// Parses a JS array key into a tuple key (`None` if it is not one). Shared
/// by this adapter and the IndexedDB store, which map `None` to their own
/// error.
pub fn parse_js_key(v: &JsValue) -> Option<Key> {
    let arr = v.dyn_ref::<Array>()?;
    arr.iter()
        .map(|p| match p.as_string() {
            Some(s) => Some(Part::Str(s)),
            None => p
                .as_f64()
                .filter(|n| *n >= 0.0 && n.fract() == 0.0 && *n < 9.007_199_254_740_992e15)
                .map(|n| Part::Int(n as u64)),
        })
        .collect()
}

pub fn key_from_js(v: &JsValue) -> Result<Key> {
    parse_js_key(v).ok_or_else(|| Error::Storage("adapter returned a key that is not an array of strings and integers".into()))
}

fn bytes_from_js(v: &JsValue) -> Result<Vec<u8>> {
    if let Some(a) = v.dyn_ref::<Uint8Array>() {
        return Ok(a.to_vec());
    }
    if v.is_instance_of::<js_sys::ArrayBuffer>() {
        return Ok(Uint8Array::new(v).to_vec());
    }
    Err(Error::Storage("adapter returned a value that is not a Uint8Array".into()))
}

/// An adapter's answer to `get`: `undefined`/`null` for a missing key,
/// else the bytes.
fn value_from_js(v: &JsValue) -> Result<Option<Vec<u8>>> {
    if v.is_undefined() || v.is_null() {
        Ok(None)
    } else {
        bytes_from_js(v).map(Some)
    }
}

async fn await_call(f: &Function, this: &JsValue, arg: &JsValue, context: &str) -> Result<JsValue> {
    let r = f.call1(this, arg).map_err(|e| js_err(context, e))?;
    if r.is_instance_of::<Promise>() {
        JsFuture::from(Promise::from(r)).await.map_err(|e| js_err(context, e))
    } else {
        Ok(r)
    }
}

impl JsAdapter {
    pub fn new(obj: JsValue) -> Result<JsAdapter> {
        if !obj.is_object() {
            return Err(Error::Argument("The storage adapter must be an object.".into()));
        }
        Ok(JsAdapter { get: method(&obj, "get")?, scan: method(&obj, "scan")?, commit: method(&obj, "commit")?, obj })
    }
}

impl Storage for JsAdapter {
    async fn get(&self, key: &[Part]) -> Result<Option<Vec<u8>>> {
        let v = await_call(&self.get, &self.obj, &key_to_js(key).into(), "get").await?;
        value_from_js(&v)
    }

    /// Every `get` is called before any is awaited, so an adapter over an
    /// asynchronous store (Durable Object storage, KV, a file) answers them
    /// together rather than one round trip after another.
    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Vec<u8>>>> {
        let calls = Array::new();
        for k in keys {
            calls.push(&self.get.call1(&self.obj, &key_to_js(k).into()).map_err(|e| js_err("get", e))?);
        }
        // `Promise.all` passes plain (non-promise) answers through as they are.
        let all = JsFuture::from(Promise::all(&calls)).await.map_err(|e| js_err("get", e))?;
        let all = all.dyn_into::<Array>().map_err(|_| Error::Storage("adapter get answers are not an array".into()))?;
        all.iter().map(|v| value_from_js(&v)).collect()
    }

    async fn scan(&self, prefix: &[Part]) -> Result<Vec<(Key, Vec<u8>)>> {
        let v = await_call(&self.scan, &self.obj, &key_to_js(prefix).into(), "scan").await?;
        let arr = v.dyn_ref::<Array>().ok_or_else(|| Error::Storage("adapter scan did not return an array".into()))?;
        let mut out = Vec::with_capacity(arr.length() as usize);
        for entry in arr.iter() {
            let pair = entry.dyn_ref::<Array>().ok_or_else(|| Error::Storage("adapter scan entry is not [key, value]".into()))?;
            out.push((key_from_js(&pair.get(0))?, bytes_from_js(&pair.get(1))?));
        }
        Ok(out)
    }

    async fn commit(&self, ops: Vec<Op>) -> Result<()> {
        let arr = Array::new();
        for op in &ops {
            let o = Object::new();
            let (kind, key, value) = match op {
                Op::Put(k, v) => ("put", k, Some(v)),
                Op::Delete(k) => ("delete", k, None),
                Op::DeletePrefix(k) => ("deletePrefix", k, None),
            };
            let _ = Reflect::set(&o, &"type".into(), &kind.into());
            let _ = Reflect::set(&o, &"key".into(), &key_to_js(key));
            if let Some(v) = value {
                let _ = Reflect::set(&o, &"value".into(), &Uint8Array::from(v.as_slice()));
            }
            arr.push(&o);
        }
        await_call(&self.commit, &self.obj, &arr.into(), "commit").await?;
        Ok(())
    }
}
