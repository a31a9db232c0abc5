//! Reading a browser `File` (dropped or picked) into bytes.

use wasm_bindgen_futures::JsFuture;

/// The whole file as bytes. Read as an ArrayBuffer, never as a string: a
/// string of a large file is twice the size and can exceed V8's string limit.
pub async fn read(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buf = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("the browser could not read the file: {e:?}"))?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}
