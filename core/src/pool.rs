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
    /// The process the pool was made in: after fork() a child has a copy of
    /// the pool whose checked-out sessions and locks belong to threads that
    /// do not exist there, so the child must not touch them.
    pid: u32,
}

/// How the sessions of a pool are made.
#[derive(Clone)]
pub(crate) struct SessionConfig {
    /// The ONNX Runtime environment the sessions are made in.
    pub env: ort::environment::Environment,
    /// ONNX Runtime intra-op threads per session; 0 lets ONNX Runtime decide.
    pub intra_threads: usize,
    /// Most sessions in existence (concurrent inferences).
    pub max: usize,
    /// Graph optimisation level of every session.
    pub level: GraphOptimizationLevel,
    /// Run on ONNX Runtime's CUDA provider on this device (registration must succeed).
    pub cuda_device: Option<i32>,
}

impl Pool {
    pub(crate) fn new(bytes: Vec<u8>, config: SessionConfig) -> Self {
        Pool { bytes, config, state: Mutex::new((Vec::new(), 0)), freed: Condvar::new(), pid: std::process::id() }
    }

    /// The same graph with other session settings; existing sessions are dropped.
    pub(crate) fn reconfigured(mut self, config: SessionConfig) -> Self {
        Pool::new(std::mem::take(&mut self.bytes), config)
    }

    fn create_session(&self) -> Result<Session> {
        let on_gpu = self.config.cuda_device.is_some();
        let c = &self.config;
        // ONNX Runtime turns on flush-to-zero for the creating thread, once per
        // process, and never undoes it: keep the host's mode.
        let _host_mode = crate::fpu::Flushed::keep();
        let mut b = Session::builder(&c.env).map_err(|e| session_error(e, on_gpu))?;
        b = b.with_optimization_level(c.level).map_err(|e| session_error(e, on_gpu))?;
        b = b.with_flush_to_zero().map_err(|e| session_error(e, on_gpu))?;
        b = b.with_inter_threads(1).map_err(|e| session_error(e, on_gpu))?;
        if c.intra_threads > 0 {
            b = b.with_intra_threads(c.intra_threads).map_err(|e| session_error(e, on_gpu))?;
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
        b.commit_from_memory(&self.bytes).map_err(|e| session_error(e, on_gpu))
    }

    /// Runs `f` with a session of its own; waits when all `max` are busy.
    /// Fails with `ErrorKind::Forked` in a process forked from the one that
    /// made the pool, before taking any lock.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Session) -> Result<R>) -> Result<R> {
        if std::process::id() != self.pid {
            return Err(Error::new(
                ErrorKind::Forked,
                format!(
                    "this model was created in process {} and cannot be used in process {} (a child made by fork()); create models after fork(), in the process that uses them",
                    self.pid,
                    std::process::id()
                ),
            ));
        }
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

impl Drop for Pool {
    /// In a child made by fork(), the sessions are not dropped: ONNX Runtime's
    /// state (its locks and threads) belongs to the parent, so calling into it
    /// could block. The child leaks them instead; the parent frees its own.
    fn drop(&mut self) {
        if std::process::id() != self.pid {
            let state = self.state.get_mut().unwrap_or_else(|p| p.into_inner());
            std::mem::forget(std::mem::take(&mut state.0));
        }
    }
}

/// A failed session creation as a core error.
fn session_error<R>(e: ort::Error<R>, on_gpu: bool) -> Error
where
    ort::Error: From<ort::Error<R>>,
{
    let e = ort::Error::from(e);
    Error::new(
        session_error_kind(e.code(), &e.to_string(), on_gpu),
        format!("could not create an ONNX Runtime session: {e}"),
    )
}

/// What a failed session creation means for the caller: the GPU (its
/// provider failing, CUDA out of memory) is `GpuUnavailable`, a graph ONNX
/// Runtime cannot take is `UnsupportedModel`, anything else `Inference`.
fn session_error_kind(code: ort::ErrorCode, message: &str, on_gpu: bool) -> ErrorKind {
    use ort::ErrorCode as C;
    let m = message.to_ascii_lowercase();
    let gpu_words = ["cuda", "cudnn", "cublas", "out of memory", "device"];
    match code {
        C::ExecutionProviderFailure | C::DeviceReset if on_gpu => ErrorKind::GpuUnavailable,
        _ if on_gpu && gpu_words.iter().any(|w| m.contains(w)) => ErrorKind::GpuUnavailable,
        C::InvalidGraph | C::InvalidProtobuf | C::NotImplemented => ErrorKind::UnsupportedModel,
        _ => ErrorKind::Inference,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ort::ErrorCode as C;

    #[test]
    fn session_failures_keep_their_cause() {
        let oom = "CUDA failure 2: out of memory ; GPU=0 ; hostname=x ; expr=cudaMalloc(&p, size);";
        assert_eq!(session_error_kind(C::RuntimeException, oom, true), ErrorKind::GpuUnavailable);
        assert_eq!(session_error_kind(C::ExecutionProviderFailure, "provider failed", true), ErrorKind::GpuUnavailable);
        // The same words on the CPU are no GPU problem.
        assert_eq!(session_error_kind(C::RuntimeException, oom, false), ErrorKind::Inference);
        assert_eq!(session_error_kind(C::InvalidGraph, "type mismatch", true), ErrorKind::UnsupportedModel);
        assert_eq!(session_error_kind(C::NotImplemented, "no kernel", false), ErrorKind::UnsupportedModel);
        assert_eq!(session_error_kind(C::GenericFailure, "something", false), ErrorKind::Inference);
    }
}
