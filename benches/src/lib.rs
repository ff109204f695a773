//! Shared helpers of the benchmarks.

/// The echo server of the load benchmarks on curio: one task per
/// connection, `TCP_NODELAY`, a 4 KiB buffer; runs until accepting fails.
/// Spawn it on a curio runtime with an already listening `listener`.
pub async fn curio_echo_server(listener: std::net::TcpListener) {
    let listener = match curio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => return eprintln!("curio: adopting the listener failed: {e}"),
    };
    loop {
        let s = match listener.accept().await {
            Ok((s, _)) => s,
            Err(e) => return eprintln!("curio: accept failed: {e}"),
        };
        drop(curio::spawn(async move {
            let _ = s.set_nodelay(true);
            let mut buf = [0u8; 4096];
            while let Ok(n) = s.read(&mut buf).await {
                if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        }));
    }
}

/// The same echo server on tokio; spawn it on a tokio runtime.
pub async fn tokio_echo_server(listener: std::net::TcpListener) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => return eprintln!("tokio: adopting the listener failed: {e}"),
    };
    loop {
        let mut s = match listener.accept().await {
            Ok((s, _)) => s,
            Err(e) => return eprintln!("tokio: accept failed: {e}"),
        };
        tokio::spawn(async move {
            let _ = s.set_nodelay(true);
            let mut buf = [0u8; 4096];
            while let Ok(n) = s.read(&mut buf).await {
                if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        });
    }
}
