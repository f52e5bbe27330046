//! A pool of ONNX Runtime sessions of one graph, shared by threads.

use std::sync::{Condvar, Mutex};

use ort::session::{builder::GraphOptimizationLevel, Session};

use crate::error::{Error, ErrorKind, Result};

/// Sessions of one graph, created on demand up to a limit and shared by threads.
/// ort's `Session::run` needs `&mut`, so each inference borrows one session.
pub(crate) struct Pool {
    bytes: Vec<u8>,
    config: SessionConfig,
    state: Mutex<(Vec<Session>, usize)>, // idle sessions, sessions in existence
    freed: Condvar,
}

/// How the sessions of a pool are made.
#[derive(Clone)]
pub(crate) struct SessionConfig {
    pub env: ort::environment::Environment,
    /// ONNX Runtime intra-op threads per session; 0 lets ONNX Runtime decide.
    pub intra_threads: usize,
    /// Most sessions in existence (concurrent inferences).
    pub max: usize,
    pub level: GraphOptimizationLevel,
    /// Run on ONNX Runtime's CUDA provider on this device (registration must succeed).
    pub cuda_device: Option<i32>,
}

impl Pool {
    pub(crate) fn new(bytes: Vec<u8>, config: SessionConfig) -> Self {
        Pool { bytes, config, state: Mutex::new((Vec::new(), 0)), freed: Condvar::new() }
    }

    /// The same graph with other session settings; existing sessions are dropped.
    pub(crate) fn reconfigured(self, config: SessionConfig) -> Self {
        Pool::new(self.bytes, config)
    }

    fn create_session(&self) -> Result<Session> {
        let err =
            |e: String| Error::new(ErrorKind::Inference, format!("could not create an ONNX Runtime session: {e}"));
        let c = &self.config;
        // ONNX Runtime turns on flush-to-zero for the creating thread, once per
        // process, and never undoes it: keep the host's mode.
        let _host_mode = crate::fpu::Flushed::keep();
        let mut b = Session::builder(&c.env).map_err(|e| err(e.to_string()))?;
        b = b.with_optimization_level(c.level).map_err(|e| err(e.to_string()))?;
        b = b.with_flush_to_zero().map_err(|e| err(e.to_string()))?;
        b = b.with_inter_threads(1).map_err(|e| err(e.to_string()))?;
        if c.intra_threads > 0 {
            b = b.with_intra_threads(c.intra_threads).map_err(|e| err(e.to_string()))?;
        }
        if let Some(id) = c.cuda_device {
            let cuda = ort::ep::CUDA::default().with_device_id(id).build().error_on_failure();
            b = b.with_execution_providers([cuda]).map_err(|e| {
                Error::new(
                    ErrorKind::GpuUnavailable,
                    format!("the CUDA execution provider (device {id}) could not be used: {e} (is this the onnxruntime-gpu build, with libonnxruntime_providers_cuda.so next to libonnxruntime?)"),
                )
            })?;
        }
        b.commit_from_memory(&self.bytes).map_err(|e| err(e.to_string()))
    }

    /// Runs `f` with a session of its own; waits when all `max` are busy.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Session) -> Result<R>) -> Result<R> {
        let lock = || self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut session = {
            let mut st = lock();
            loop {
                if let Some(s) = st.0.pop() {
                    break Some(s);
                }
                if st.1 < self.config.max {
                    st.1 += 1;
                    break None;
                }
                st = self.freed.wait(st).unwrap_or_else(|p| p.into_inner());
            }
        };
        if session.is_none() {
            match self.create_session() {
                Ok(s) => session = Some(s),
                Err(e) => {
                    lock().1 -= 1;
                    self.freed.notify_one();
                    return Err(e);
                }
            }
        }
        // Give the session back even if `f` panics; a panic drops it instead.
        struct Return<'p>(&'p Pool, Option<Session>);
        impl Drop for Return<'_> {
            fn drop(&mut self) {
                let mut st = self.0.state.lock().unwrap_or_else(|p| p.into_inner());
                match self.1.take() {
                    Some(s) if !std::thread::panicking() => st.0.push(s),
                    _ => st.1 -= 1,
                }
                self.0.freed.notify_one();
            }
        }
        let mut guard = Return(self, session);
        let s = guard.1.as_mut().ok_or_else(|| Error::new(ErrorKind::Internal, "session pool is inconsistent"))?;
        f(s)
    }
}
