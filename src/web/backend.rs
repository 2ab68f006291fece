//! Which engine runs the model in the browser.
//!
//! The CPU runs the host engine ([`crate::model::HostModel`]: plain loops,
//! no burn), which is what lets the CPU module leave burn out. The WebGPU
//! build (cargo feature `wgpu`) runs burn on the browser's adapter; it is
//! several times larger, so `pkg/` ships it as a second module that the page
//! loads only when the browser has an adapter (see `js/index.js`, copied to
//! `pkg/index.js`).

#[cfg(feature = "wgpu")]
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

/// An opened backend: the CPU needs nothing, WebGPU its burn device.
pub enum Opened {
    Cpu,
    #[cfg(feature = "wgpu")]
    WebGpu(Device),
}

impl Opened {
    pub fn backend(&self) -> Backend {
        match self {
            Opened::Cpu => Backend::Cpu,
            #[cfg(feature = "wgpu")]
            Opened::WebGpu(_) => Backend::WebGpu,
        }
    }
}

/// Opens the backend for `choice` (`"cpu"`, `"webgpu"` or `"auto"`).
pub async fn open(choice: &str) -> Result<Opened, JsError> {
    match choice {
        "cpu" => Ok(Opened::Cpu),
        "webgpu" => webgpu().await,
        "auto" => Ok(webgpu().await.unwrap_or(Opened::Cpu)),
        other => Err(JsError::new(&format!("unknown backend {other:?}: use \"webgpu\", \"cpu\" or \"auto\""))),
    }
}

#[cfg(feature = "wgpu")]
thread_local! {
    /// burn's wgpu runtime can be initialised once per page or worker; later
    /// classifiers reuse the device.
    static WEBGPU: std::cell::RefCell<Option<Device>> = const { std::cell::RefCell::new(None) };
}

#[cfg(feature = "wgpu")]
async fn webgpu() -> Result<Opened, JsError> {
    if let Some(device) = WEBGPU.with(|d| d.borrow().clone()) {
        return Ok(Opened::WebGpu(device));
    }
    let device = Device::wgpu_options()
        .init_async()
        .await
        .map_err(|e| JsError::new(&format!("WebGPU is not available here: {e}")))?;
    WEBGPU.with(|d| *d.borrow_mut() = Some(device.clone()));
    Ok(Opened::WebGpu(device))
}

#[cfg(not(feature = "wgpu"))]
async fn webgpu() -> Result<Opened, JsError> {
    Err(JsError::new(
        "this build of emorec has no WebGPU support (load the package's WebGPU module, or build with --features wgpu)",
    ))
}
