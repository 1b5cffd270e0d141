import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The simulated host's end of one command's session. On a real host a command's processes
/// end with their ssh session: when the connection drops (labrun killed, the network gone),
/// sshd closes the command's pipes and they get SIGHUP or SIGPIPE. A simulated command runs
/// as a local child of labrun instead, and a child whose parent is killed lives on; so every
/// simulated command starts under this small leader (labrun itself, under
/// ``programName``), which runs it and waits, and when the other end of the command's
/// standard output goes away before it finished, hangs up its process group as sshd would.
public enum SimSession {
  /// The name labrun answers to as the session leader (a link in the host's directory,
  /// outside the closed PATH).
  public static let programName = "labrun-sim-session"

  /// Runs `arguments` (a program and its arguments) and exits with its status; sends SIGHUP
  /// to the command's process group when the reader of its standard output is gone.
  public static func run(_ arguments: [String]) -> Never {
    guard let program = arguments.first else {
      FileHandle.standardError.write(Data("\(programName): no command to run\n".utf8))
      exit(2)
    }
    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    var child: pid_t = 0
    let spawned = posix_spawn(&child, program, nil, nil, argv, environ)
    guard spawned == 0 else {
      FileHandle.standardError.write(
        Data("\(programName): cannot run \(program): \(String(cString: strerror(spawned)))\n".utf8))
      exit(127)
    }
    if readerCanVanish(STDOUT_FILENO) {
      Thread.detachNewThread { hangUpWhenReaderIsGone(STDOUT_FILENO) }
    }
    var status: Int32 = 0
    while waitpid(child, &status, 0) < 0, errno == EINTR {}
    exit((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f))
  }

  /// Whether `fd` is a pipe or a socket: only their reader can go away.
  static func readerCanVanish(_ fd: Int32) -> Bool {
    var info = stat()
    guard fstat(fd, &info) == 0 else { return false }
    let type = info.st_mode & S_IFMT
    return type == S_IFIFO || type == S_IFSOCK
  }

  /// Blocks until `fd`'s reader is gone (poll reports POLLERR for a pipe with no reader,
  /// POLLHUP for a closed socket), then hangs up the process group, this leader excepted.
  static func hangUpWhenReaderIsGone(_ fd: Int32) {
    var watched = pollfd(fd: fd, events: 0, revents: 0)
    while true {
      let ready = poll(&watched, 1, -1)
      if ready < 0, errno == EINTR { continue }
      guard ready > 0, watched.revents & Int16(POLLERR | POLLHUP) != 0 else { return }
      break
    }
    signal(SIGHUP, SIG_IGN)
    kill(0, SIGHUP)
  }
}
