//! The TCP listener of the HTTP surfaces, whose connections a handler can reset (the HttpReset
//! fault). Each accepted stream comes with a [`Conn`] handle that handlers extract with
//! `ConnectInfo<Conn>`; once reset, the stream fails every read and write, so the connection is
//! dropped without the response being written.

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

pub(super) struct Listener(pub(super) TcpListener);

/// A handle on one accepted connection.
#[derive(Clone, Debug, Default)]
pub(super) struct Conn(Arc<AtomicBool>);

impl Conn {
    /// From now on the connection fails, so whatever is being answered is never written.
    pub(super) fn reset(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn check(&self) -> io::Result<()> {
        match self.0.load(Ordering::SeqCst) {
            true => Err(io::ErrorKind::ConnectionReset.into()),
            false => Ok(()),
        }
    }
}

/// An accepted stream that fails once its [`Conn`] is reset.
pub(super) struct Io {
    stream: TcpStream,
    conn: Conn,
}

impl AsyncRead for Io {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.conn.check()?;
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.conn.check()?;
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.conn.check()?;
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.conn.check()?;
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

impl axum::serve::Listener for Listener {
    type Io = Io;
    type Addr = Conn;

    async fn accept(&mut self) -> (Io, Conn) {
        let (stream, _) = axum::serve::Listener::accept(&mut self.0).await;
        // Small answers go out at once: with Nagle's algorithm and the client's delayed ACKs,
        // the end of every exchange waited about 40 ms (measured in bench/run.sh).
        let _ = stream.set_nodelay(true);
        let conn = Conn::default();
        let io = Io {
            stream,
            conn: conn.clone(),
        };
        (io, conn)
    }

    fn local_addr(&self) -> io::Result<Conn> {
        self.0.local_addr().map(|_| Conn::default())
    }
}

impl Connected<IncomingStream<'_, Listener>> for Conn {
    fn connect_info(stream: IncomingStream<'_, Listener>) -> Self {
        stream.remote_addr().clone()
    }
}
