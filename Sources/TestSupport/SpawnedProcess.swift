import Foundation
import LabPipeline

/// A long-running child (sshd, ssh-agent) started with posix_spawn and reaped with waitpid.
///
/// Foundation's Process reaps children from one monitor thread and can stall every other
/// Process while a long-lived child is running, so servers are managed directly.
public final class SpawnedProcess: @unchecked Sendable {
  public let pid: pid_t
  private var reaped = false
  private let lock = NSLock()

  /// Starts `arguments[0]` with stdout and stderr appended to `log` (or /dev/null).
  public init(_ arguments: [String], log: URL? = nil, environment: [String: String]? = nil) throws {
    var spawner = ProcessSpawner(arguments, environment: environment)
    spawner.standardOutput = .writing(log?.path ?? "/dev/null", append: true)
    spawner.standardError = .standardOutput
    switch spawner.spawn() {
    case .success(let child): pid = child
    case .failure(let failure):
      throw LoopbackSSHServer.ServerError.commandFailed(arguments[0], failure.reason)
    }
  }

  deinit { terminate() }

  /// ``run(_:environment:stdin:currentDirectory:)`` on a thread of its own: an async test
  /// awaiting it leaves Swift's cooperative pool (one thread per core) to the other tests,
  /// whose timeouts and polls stall while a pool thread waits on a child.
  public static func completed(
    _ arguments: [String], environment: [String: String]? = nil, stdin: String = "",
    currentDirectory: URL? = nil
  ) async -> (status: Int32, output: String) {
    await BlockingWork.run {
      run(arguments, environment: environment, stdin: stdin, currentDirectory: currentDirectory)
    }
  }

  /// Runs a short command to completion: exit status and combined stdout+stderr.
  ///
  /// Uses posix_spawn and waitpid, not Foundation's Process, so it never waits on the
  /// monitor thread that long-running children can stall.
  public static func run(
    _ arguments: [String], environment: [String: String]? = nil, stdin: String = "",
    currentDirectory: URL? = nil
  ) -> (status: Int32, output: String) {
    // sh changes directory, then becomes the command (Glibc does not export addchdir_np).
    let arguments =
      currentDirectory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0.path] + arguments } ?? arguments
    var output: [Int32] = [-1, -1]
    var input: [Int32] = [-1, -1]
    guard pipe(&output) == 0, pipe(&input) == 0 else { return (-1, "pipe failed") }
    // Close-on-exec at once, so a process another thread spawns meanwhile (a long-lived sshd)
    // does not inherit a write end and keep this command's output open.
    for fd in output + input { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    var spawner = ProcessSpawner(arguments, environment: environment)
    spawner.standardInput = .descriptor(input[0])
    spawner.standardOutput = .descriptor(output[1])
    spawner.standardError = .descriptor(output[1])
    spawner.closing = input + output
    let spawned = spawner.spawn()
    close(input[0])
    close(output[1])
    if case .success = spawned {
      _ = stdin.utf8CString.withUnsafeBufferPointer { write(input[1], $0.baseAddress, max(0, $0.count - 1)) }
    }
    close(input[1])
    var collected: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while case .success = spawned {
      let count = read(output[0], &buffer, buffer.count)
      if count > 0 {
        collected += buffer[0..<count]
      } else if count == 0 || errno != EINTR {
        break
      }
    }
    close(output[0])
    let child: pid_t
    switch spawned {
    case .success(let pid): child = pid
    case .failure(let failure): return (-1, failure.description)
    }
    var status: Int32 = 0
    while waitpid(child, &status, 0) < 0 && errno == EINTR {}
    let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (exit, String(decoding: collected, as: UTF8.self))
  }

  /// Whether the child has not exited yet.
  public var isRunning: Bool {
    lock.withLock {
      if reaped { return false }
      var status: Int32 = 0
      if waitpid(pid, &status, WNOHANG) == pid {
        reaped = true
        return false
      }
      return true
    }
  }

  /// Sends `signal`, then SIGKILL if the child is still there after 5 s, and reaps it.
  public func terminate(signal: Int32 = SIGTERM) {
    lock.withLock {
      guard !reaped else { return }
      kill(pid, signal)
      var status: Int32 = 0
      for _ in 0..<500 {
        if waitpid(pid, &status, WNOHANG) == pid {
          reaped = true
          return
        }
        usleep(10_000)
      }
      kill(pid, SIGKILL)
      _ = waitpid(pid, &status, 0)
      reaped = true
    }
  }

  /// Process ids whose parent is `pid`, read from /proc.
  public static func children(of pid: pid_t) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { name -> pid_t? in
      guard let candidate = pid_t(name),
        let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { return nil }
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      return fields.count > 1 && pid_t(fields[1]) == pid ? candidate : nil
    }
  }
}

/// coreutils' `sha256sum --check --strict SHA256SUMS` run in an artifacts directory: the
/// contract's own test of a bundle's checksums.
public enum Sha256sum {
  public static func check(in directory: URL) async -> (status: Int32, output: String) {
    await SpawnedProcess.completed(
      ["/usr/bin/env", "sha256sum", "--check", "--strict", "SHA256SUMS"], currentDirectory: directory)
  }
}
