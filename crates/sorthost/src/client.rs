//! A blocking client for one sorter connection: what a sorter controller does, used by
//! `hangar demo` to drive its sort stage through the real protocol.

use hangar_sort::telegram::{Answer, Body, Discharge, Framed, Framer, MAX_SEQ, Request, Telegram};
use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// One sorter's connection to the host.
pub struct Client {
    sorter: u8,
    stream: TcpStream,
    framer: Framer,
    seq: u32,
    out: Vec<u8>,
    inbox: VecDeque<Telegram>,
    unacked: HashMap<u32, (Instant, Telegram)>,
}

fn protocol(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

impl Client {
    /// Connects as sorter `sorter`.
    pub fn connect(addr: &str, sorter: u8) -> io::Result<Client> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        Ok(Client {
            sorter,
            stream,
            framer: Framer::default(),
            seq: 0,
            out: Vec::with_capacity(256),
            inbox: VecDeque::new(),
            unacked: HashMap::new(),
        })
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = if self.seq >= MAX_SEQ { 1 } else { self.seq + 1 };
        self.seq
    }

    fn send(&mut self, t: &Telegram) -> io::Result<()> {
        self.out.clear();
        t.encode(&mut self.out);
        self.stream.write_all(&self.out)
    }

    /// Reads telegrams until one satisfies `want`; acknowledgements of confirmations are noted
    /// on the way.
    fn read_until(&mut self, want: impl Fn(&Telegram) -> bool) -> io::Result<Telegram> {
        let mut buf = [0u8; 4096];
        loop {
            while let Some(t) = self.inbox.pop_front() {
                if let Body::Ack = t.body {
                    self.unacked.remove(&t.seq);
                }
                if want(&t) {
                    return Ok(t);
                }
            }
            let n = self.stream.read(&mut buf)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the host closed the connection",
                ));
            }
            let inbox = &mut self.inbox;
            let mut bad = None;
            self.framer.feed(&buf[..n], |f| match f {
                Framed::Telegram(b) => match Telegram::decode(&b) {
                    Ok(t) => inbox.push_back(t),
                    Err(e) => bad = Some(e.to_string()),
                },
                Framed::Broken | Framed::Oversized => bad = Some("framing".into()),
            });
            if let Some(e) = bad {
                return Err(protocol(format!("unreadable telegram from the host: {e}")));
            }
        }
    }

    /// Sends a destination request and waits for its answer.
    pub fn decide(&mut self, req: Request) -> io::Result<Answer> {
        let seq = self.next_seq();
        self.send(&Telegram {
            sorter: self.sorter,
            seq,
            body: Body::Request(req),
        })?;
        let t = self
            .read_until(|t| t.seq == seq && matches!(t.body, Body::Answer(_) | Body::Nak { .. }))?;
        match t.body {
            Body::Answer(a) => Ok(a),
            other => Err(protocol(format!("request {seq} refused: {other:?}"))),
        }
    }

    /// Sends a discharge confirmation; its acknowledgement is collected later.
    pub fn confirm(&mut self, d: Discharge) -> io::Result<()> {
        let seq = self.next_seq();
        let t = Telegram {
            sorter: self.sorter,
            seq,
            body: Body::Discharge(d),
        };
        self.send(&t)?;
        self.unacked.insert(seq, (Instant::now(), t));
        Ok(())
    }

    /// Waits until every confirmation is acknowledged, resending unacknowledged ones every
    /// 500 ms; returns how many are still unacknowledged at `timeout`.
    pub fn finish(&mut self, timeout: Duration) -> io::Result<usize> {
        let deadline = Instant::now() + timeout;
        self.stream
            .set_read_timeout(Some(Duration::from_millis(100)))?;
        while !self.unacked.is_empty() && Instant::now() < deadline {
            let now = Instant::now();
            let due: Vec<Telegram> = self
                .unacked
                .values_mut()
                .filter(|(sent, _)| now - *sent >= Duration::from_millis(500))
                .map(|(sent, t)| {
                    *sent = now;
                    t.clone()
                })
                .collect();
            for t in due {
                self.send(&t)?;
            }
            match self.read_until(|t| matches!(t.body, Body::Ack)) {
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.unacked.len())
    }
}
