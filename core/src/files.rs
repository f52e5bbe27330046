//! The one way serfiq opens a file it reads: only a regular file, and never
//! blocking on the way (a FIFO or a device could wait for a writer forever).

use std::fs::File;
use std::io;
use std::path::Path;

/// Opens `path` for reading and refuses (with `io::ErrorKind::InvalidInput`)
/// anything but a regular file: FIFOs, sockets, devices, folders. The open is
/// non-blocking, so a FIFO without a writer is refused at once instead of
/// hanging; for a regular file the flag changes nothing.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut open, libc::O_NONBLOCK);
    let file = open.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, not_regular(&meta)));
    }
    Ok(file)
}

/// Reads the whole regular file at `path` (see [`open_regular`]).
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    use io::Read;
    let mut bytes = Vec::new();
    open_regular(path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads the regular file at `path` as UTF-8 text (see [`open_regular`]).
pub fn read_regular_text(path: &Path) -> io::Result<String> {
    String::from_utf8(read_regular(path)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "stream did not contain valid UTF-8"))
}

fn not_regular(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "not a regular file (a FIFO)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "not a regular file (a device)";
        }
        if t.is_socket() {
            return "not a regular file (a socket)";
        }
    }
    if t.is_dir() {
        return "not a regular file (a folder)";
    }
    "not a regular file"
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn fifos_devices_and_folders_are_refused_at_once() {
        let dir = std::env::temp_dir().join(format!("serfiq-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("pipe.jpg");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        #[allow(unsafe_code)]
        // SAFETY: a valid NUL-terminated path.
        let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
        assert_eq!(rc, 0);
        let e = open_regular(&fifo).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("FIFO"), "{e}");
        assert!(open_regular(Path::new("/dev/zero")).unwrap_err().to_string().contains("device"));
        assert!(open_regular(&dir).unwrap_err().to_string().contains("folder"));
        std::fs::write(dir.join("f"), b"abc").unwrap();
        assert_eq!(read_regular(&dir.join("f")).unwrap(), b"abc");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
