//! Network partitions between four validators on loopback. Every link between two validators
//! runs through a pair of TCP proxies (one per direction of dialling) that the test can cut or
//! slow down: a 2–2 split halts the chain without a fork and it resumes when healed; a validator
//! cut off alone stalls while the other three finalize, and catches up when the link returns;
//! delayed links slow the chain but it keeps finalizing and agreeing.

use super::testnet::Testnet;
use std::{
    collections::BTreeMap,
    fs,
    io::{Read, Write},
    net::{Shutdown, SocketAddr, TcpListener, TcpStream},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

/// A TCP proxy for one direction of dialling between two validators. While cut, it closes every
/// connection it carries and every new one at once; while delayed, it holds each chunk of bytes
/// for the delay before passing it on.
struct Link {
    listen: SocketAddr,
    cut: Arc<AtomicBool>,
    delay_ms: Arc<AtomicU64>,
    live: Arc<Mutex<Vec<TcpStream>>>,
}

impl Link {
    fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy listens");
        let link = Self {
            listen: listener.local_addr().expect("proxy address"),
            cut: Arc::default(),
            delay_ms: Arc::default(),
            live: Arc::default(),
        };
        let (cut, delay, live) = (link.cut.clone(), link.delay_ms.clone(), link.live.clone());
        std::thread::spawn(move || {
            for inbound in listener.incoming() {
                let Ok(inbound) = inbound else { continue };
                if cut.load(Ordering::SeqCst) {
                    continue;
                }
                let Ok(outbound) = TcpStream::connect(target) else {
                    continue;
                };
                let mut streams = live.lock().expect("lock");
                // Checked again under the lock, so a cut never misses a connection.
                if cut.load(Ordering::SeqCst) {
                    continue;
                }
                for (from, to) in [(&inbound, &outbound), (&outbound, &inbound)] {
                    let (from, to) = (
                        from.try_clone().expect("clone"),
                        to.try_clone().expect("clone"),
                    );
                    let delay = delay.clone();
                    std::thread::spawn(move || pump(from, to, &delay));
                }
                streams.push(inbound);
                streams.push(outbound);
            }
        });
        link
    }

    fn set_cut(&self, cut: bool) {
        let mut streams = self.live.lock().expect("lock");
        self.cut.store(cut, Ordering::SeqCst);
        if cut {
            for stream in streams.drain(..) {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
    }

    fn set_delay(&self, delay: Duration) {
        let millis = u64::try_from(delay.as_millis()).expect("small delay");
        self.delay_ms.store(millis, Ordering::SeqCst);
    }
}

/// Copies bytes one way until either side closes, then closes both.
fn pump(mut from: TcpStream, mut to: TcpStream, delay_ms: &AtomicU64) {
    let mut buffer = vec![0u8; 64 * 1024];
    while let Ok(read) = from.read(&mut buffer) {
        if read == 0 {
            break;
        }
        let delay = delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            std::thread::sleep(Duration::from_millis(delay));
        }
        if to.write_all(&buffer[..read]).is_err() {
            break;
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}

/// Every ordered pair of validators `(dialler, listener)` has its own proxy, written into the
/// dialler's configuration as the listener's address.
struct Network {
    links: BTreeMap<(usize, usize), Link>,
}

impl Network {
    fn wire(net: &Testnet) -> Self {
        let addresses: Vec<SocketAddr> = net
            .validators
            .iter()
            .map(|validator| validator.p2p.parse().expect("p2p address"))
            .collect();
        let mut links = BTreeMap::new();
        for (from, validator) in net.validators.iter().enumerate() {
            let path = validator.home.join("config.toml");
            let mut config = fs::read_to_string(&path).expect("config");
            for (to, address) in addresses.iter().enumerate() {
                if from == to {
                    continue;
                }
                let link = Link::start(*address);
                let entry = format!("address = \"{address}\"");
                assert!(config.contains(&entry), "{path:?} names {address}");
                config = config.replace(&entry, &format!("address = \"{}\"", link.listen));
                links.insert((from, to), link);
            }
            fs::write(&path, config).expect("rewrite config");
        }
        Self { links }
    }

    /// Cuts (or restores) both directions between every node of `a` and every node of `b`.
    fn set_cut(&self, a: &[usize], b: &[usize], cut: bool) {
        for &x in a {
            for &y in b {
                self.links[&(x, y)].set_cut(cut);
                self.links[&(y, x)].set_cut(cut);
            }
        }
    }

    fn set_delay(&self, delay: Duration) {
        for link in self.links.values() {
            link.set_delay(delay);
        }
    }
}

/// No two nodes hold different blocks (or state roots) at any height both have finalized.
fn assert_no_conflict(net: &Testnet, nodes: &[usize]) {
    let heights: Vec<(usize, u64)> = nodes
        .iter()
        .map(|&node| (node, net.height(node).expect("node answers")))
        .collect();
    let top = heights.iter().map(|&(_, h)| h).max().unwrap_or(0);
    for height in 1..=top {
        let holders: Vec<usize> = heights
            .iter()
            .filter(|&&(_, h)| h >= height)
            .map(|&(node, _)| node)
            .collect();
        net.assert_agree_at(&holders, height);
    }
}

#[test]
fn partitions_halt_or_isolate_without_forks_and_the_chain_heals() {
    let mut net = Testnet::init();
    let network = Network::wire(&net);
    for validator in &mut net.validators {
        validator.start();
    }
    let all = [0, 1, 2, 3];
    net.wait_for(&all, 3, "start through proxies");
    net.assert_agree(&all, 3);

    // A 2–2 split: neither side has the three votes a certificate needs.
    network.set_cut(&[0, 1], &[2, 3], true);
    std::thread::sleep(Duration::from_secs(2));
    let split: Vec<u64> = all
        .iter()
        .map(|&n| net.height(n).expect("answers"))
        .collect();
    std::thread::sleep(Duration::from_secs(5));
    for node in all {
        let height = net.height(node).expect("answers");
        assert!(
            height <= split[node] + 1,
            "node {node} finalized during a 2-2 split: {} -> {height}",
            split[node]
        );
    }
    assert_no_conflict(&net, &all);
    network.set_cut(&[0, 1], &[2, 3], false);
    let top = *split.iter().max().expect("four nodes");
    net.wait_for(&all, top + 3, "resume after the 2-2 split heals");
    assert_no_conflict(&net, &all);

    // One validator cut off alone: the other three finalize; it stalls, then catches up.
    network.set_cut(&[3], &[0, 1, 2], true);
    std::thread::sleep(Duration::from_secs(1));
    let isolated = net.height(3).expect("answers");
    let majority = net.height(0).expect("answers");
    net.wait_for(
        &[0, 1, 2],
        majority + 5,
        "three of four while one is cut off",
    );
    assert!(
        net.height(3).expect("answers") <= isolated + 1,
        "a validator cut off alone kept finalizing"
    );
    assert_no_conflict(&net, &all);
    network.set_cut(&[3], &[0, 1, 2], false);
    let target = net.height(0).expect("answers") + 2;
    net.wait_for(&all, target, "the isolated validator catches up");
    assert_no_conflict(&net, &all);

    // Every link slowed by 150 ms each way: slower, still final, still one chain.
    network.set_delay(Duration::from_millis(150));
    let slowed = net.height(0).expect("answers");
    net.wait_for(&all, slowed + 3, "finality over delayed links");
    network.set_delay(Duration::ZERO);
    assert_no_conflict(&net, &all);
}
