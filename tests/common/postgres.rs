//! PostgreSQL instances of the tests' own, made from the server programs
//! (`initdb`, `pg_ctl`) on the PATH, under `/usr/lib/postgresql/*/bin`, or at
//! `PG_BIN_DIR`. The fault test starts and kills one; the harness starts one
//! when no server was named and none answers on the default address, so that
//! `cargo test` works on a machine where PostgreSQL is installed but not
//! running.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// What to install when the server programs are missing.
const INSTALL: &str = "install PostgreSQL's server programs (Debian: apt-get install postgresql) or set PG_BIN_DIR";

/// The directory of the server programs, or a clear refusal.
pub fn server_programs() -> PathBuf {
    if let Ok(dir) = std::env::var("PG_BIN_DIR") {
        return PathBuf::from(dir);
    }
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).filter(|dir| dir.join("pg_ctl").exists()).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut packaged: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("pg_ctl").exists())
        .collect();
    // The newest packaged version, if none is on the PATH.
    packaged.sort();
    on_path.into_iter().next().or_else(|| packaged.pop()).unwrap_or_else(|| {
        panic!("The tests need a PostgreSQL server, and initdb and pg_ctl were not found: {INSTALL}.")
    })
}

/// Whether something answers on `address`.
pub fn answers(address: SocketAddr) -> bool {
    TcpStream::connect_timeout(&address, Duration::from_millis(500)).is_ok()
}

fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0").unwrap_or(false)
}

/// A PostgreSQL instance in a directory of its own, on a free port.
pub struct Instance {
    bin: PathBuf,
    data: PathBuf,
    pub port: u16,
    /// Running as root: PostgreSQL refuses root, so it runs as `postgres`.
    as_postgres: bool,
}

impl Instance {
    /// Creates and starts an instance with its data under `parent`.
    pub fn create(parent: &Path) -> Instance {
        let bin = server_programs();
        let data = parent.join(format!("rights-graph-postgres-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&data).unwrap_or_else(|error| panic!("create {}: {error}", data.display()));
        let as_postgres = running_as_root();
        if as_postgres {
            // Every directory on the way must be open to the postgres user.
            let status = Command::new("chown").args(["postgres:postgres", data.to_str().unwrap()]).status().unwrap();
            assert!(status.success(), "chown the data directory to postgres");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let instance = Instance { bin, data, port, as_postgres };
        instance.run("initdb", &["-D", instance.data_dir(), "-A", "trust", "-U", "postgres", "--no-sync"]);
        instance.start();
        instance
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path).args(args);
            command
        } else {
            let mut command = Command::new(path);
            command.args(args);
            command
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let output = self.command(program, args).output().unwrap_or_else(|error| panic!("{program}: {error}"));
        assert!(
            output.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn data_dir(&self) -> &str {
        self.data.to_str().unwrap()
    }

    pub fn start(&self) {
        let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", self.port, self.data_dir());
        let log = self.data.join("log").to_str().unwrap().to_owned();
        self.run("pg_ctl", &["-D", self.data_dir(), "-o", &options, "-l", &log, "-w", "start"]);
    }

    /// Kills the server as a crash would: no shutdown checkpoint.
    pub fn kill(&self) {
        self.run("pg_ctl", &["-D", self.data_dir(), "-m", "immediate", "-w", "stop"]);
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}?sslmode=disable", self.port)
    }

    /// Leaves the instance running until the process `pid` ends, then stops
    /// it and removes its data: test binaries end without running the
    /// destructors of statics, so a watcher process of its own does it.
    pub fn stop_when_process_ends(self, pid: u32) {
        let pg_ctl = self.bin.join("pg_ctl");
        let stop = if self.as_postgres {
            format!("runuser -u postgres -- '{}' -D '{}' -m immediate stop", pg_ctl.display(), self.data_dir())
        } else {
            format!("'{}' -D '{}' -m immediate stop", pg_ctl.display(), self.data_dir())
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf '{}'",
            self.data_dir()
        );
        // Never waited for: it outlives this process by design.
        #[allow(clippy::zombie_processes)]
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the watcher of the test PostgreSQL instance");
        // The watcher owns the instance now.
        std::mem::forget(self);
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.command("pg_ctl", &["-D", self.data_dir(), "-m", "immediate", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}
