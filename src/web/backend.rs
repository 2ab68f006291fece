//! Which device runs the model in the browser.
//!
//! The CPU build uses burn's ndarray backend: in headless Chromium it runs
//! these models as fast as flex, and flex adds about 4.5 MB to the wasm. The
//! WebGPU build (cargo feature `wgpu`) is several times larger, so `pkg/`
//! ships it as a second module that the page loads only when the browser has
//! an adapter (see `js/index.js`, copied to `pkg/index.js`).

use std::cell::RefCell;

use burn::tensor::Device;
use wasm_bindgen::JsError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Cpu,
    WebGpu,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Cpu => "cpu",
            Backend::WebGpu => "webgpu",
        }
    }
}

/// Opens the device for `choice` (`"cpu"`, `"webgpu"` or `"auto"`).
pub async fn open(choice: &str) -> Result<(Backend, Device), JsError> {
    match choice {
        "cpu" => Ok((Backend::Cpu, cpu())),
        "webgpu" => Ok((Backend::WebGpu, webgpu().await?)),
        "auto" => match webgpu().await {
            Ok(device) => Ok((Backend::WebGpu, device)),
            Err(_) => Ok((Backend::Cpu, cpu())),
        },
        other => Err(JsError::new(&format!("unknown backend {other:?}: use \"webgpu\", \"cpu\" or \"auto\""))),
    }
}

#[allow(deprecated)] // ndarray is deprecated upstream in favour of flex; see the module doc.
fn cpu() -> Device {
    Device::ndarray()
}

thread_local! {
    /// burn's wgpu runtime can be initialised once per page or worker; later
    /// classifiers reuse the device.
    static WEBGPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}

#[cfg(feature = "wgpu")]
async fn webgpu() -> Result<Device, JsError> {
    if let Some(device) = WEBGPU.with(|d| d.borrow().clone()) {
        return Ok(device);
    }
    let device = Device::wgpu_options()
        .init_async()
        .await
        .map_err(|e| JsError::new(&format!("WebGPU is not available here: {e}")))?;
    WEBGPU.with(|d| *d.borrow_mut() = Some(device.clone()));
    Ok(device)
}

#[cfg(not(feature = "wgpu"))]
async fn webgpu() -> Result<Device, JsError> {
    let _ = &WEBGPU;
    Err(JsError::new(
        "this build of emorec has no WebGPU support (load the package's WebGPU module, or build with --features wgpu)",
    ))
}
