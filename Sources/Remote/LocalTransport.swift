import Foundation
import LabPipeline

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The ``Transport`` protocol over processes on this machine (`--host local`).
///
/// Each command runs as `/bin/sh -c SCRIPT` (privileged: `sudo -n sh -c SCRIPT` unless
/// labrun runs as root) in a process group of its own, so a timeout or a cancellation can
/// stop everything it started. Standard output and error are drained by dedicated threads
/// (never Swift's cooperative pool), so any amount of output on both cannot deadlock.
/// Commands are spawned with posix_spawn rather than Foundation.Process because Process
/// cannot put the child in a process group of its own.
public struct LocalTransport: Transport {
  private let info: TargetInfo

  /// - Parameter name: the name recorded in run.json (`local`).
  public init(name: String = "local") {
    LocalProcess.ignoreSIGPIPE
    self.info = TargetInfo(name: name, kind: .local, address: Self.machine.address, user: Self.machine.user)
  }

  /// This machine's name and this process's user, looked up once: transports are opened on many
  /// threads at once (a fleet's hosts), and the lookups behind them need not be repeated.
  private static let machine = (
    address: ProcessInfo.processInfo.hostName, user: PasswordEntry(uid: geteuid())?.name
  )

  public var target: TargetInfo {
    get async { info }
  }

  public func run(_ command: RemoteCommand) async throws -> CommandOutput {
    let usesSudo = command.privileged && geteuid() != 0
    let arguments: [String] =
      usesSudo
      ? ["sudo", "-n", "sh", "-c", command.script]
      : ["/bin/sh", "-c", command.script]
    let process = LocalProcess(arguments: arguments, stdin: command.stdin ?? [])
    let startedAt = Date()
    let ending = try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation {
        (continuation: CheckedContinuation<LocalProcess.Ending, any Error>) in
        process.start(timeout: command.timeout, continuation: continuation)
      }
    } onCancel: {
      process.stop(reason: .cancelled)
    }
    let finishedAt = Date()
    switch ending.stopReason {
    case .timedOut:
      throw TransportError.timedOut(command: command.description, after: command.timeout ?? .zero)
    case .cancelled:
      throw TransportError.cancelled(command: command.description)
    case nil:
      if usesSudo, ending.status == 1,
        String(decoding: ending.stderr, as: UTF8.self).contains("sudo: a password is required")
      {
        throw TransportError.sudoNeedsPassword(host: info.name)
      }
      return CommandOutput(
        stdout: ending.stdout, stderr: ending.stderr, exitStatus: ending.status, startedAt: startedAt,
        finishedAt: finishedAt)
    }
  }

  public func upload(_ localFile: URL, to remotePath: String) async throws {
    try copy(from: localFile, to: URL(fileURLWithPath: remotePath), reported: remotePath)
  }

  public func download(_ remotePath: String, to localFile: URL) async throws {
    try copy(from: URL(fileURLWithPath: remotePath), to: localFile, reported: remotePath)
  }

  public func close() async {}

  private func copy(from source: URL, to destination: URL, reported: String) throws {
    do {
      let data = try Data(contentsOf: source)
      try AtomicFile.write(data, to: destination)
    } catch let error as AtomicFileError {
      throw TransportError.transferFailed(path: reported, detail: error.description)
    } catch {
      throw TransportError.transferFailed(
        path: reported, detail: FileProblem.reason(error, path: source.path))
    }
  }
}

/// One spawned command: its pipes, the threads that drain them, and how it ended.
final class LocalProcess: @unchecked Sendable {
  enum StopReason: Sendable {
    case timedOut, cancelled
  }

  struct Ending: Sendable {
    var status: Int32
    var stdout: [UInt8]
    var stderr: [UInt8]
    var stopReason: StopReason?
  }

  /// Writing to a pipe whose reader exited must fail with EPIPE, not kill labrun.
  static let ignoreSIGPIPE: Void = {
    _ = signal(SIGPIPE, SIG_IGN)
  }()

  private let arguments: [String]
  private let stdinBytes: [UInt8]
  private let lock = NSLock()
  private var pid: pid_t = 0
  private var stopReason: StopReason?
  private var finished = false

  init(arguments: [String], stdin: [UInt8]) {
    self.arguments = arguments
    self.stdinBytes = stdin
  }

  /// Kills the command's whole process group and records why.
  func stop(reason: StopReason) {
    lock.lock()
    defer { lock.unlock() }
    guard !finished, stopReason == nil else { return }
    stopReason = reason
    if pid > 0 { kill(-pid, SIGKILL) }
  }

  func start(timeout: Duration?, continuation: CheckedContinuation<Ending, any Error>) {
    var input: [Int32] = [-1, -1]
    var output: [Int32] = [-1, -1]
    var errors: [Int32] = [-1, -1]
    guard pipe(&input) == 0, pipe(&output) == 0, pipe(&errors) == 0 else {
      let code = errno
      for fd in input + output + errors where fd >= 0 { Glibc.close(fd) }
      continuation.resume(throwing: LocalTransportError.spawnFailed(arguments.first ?? "", errno: code))
      return
    }
    // Every end close-on-exec at once (the child's are dup2'ed onto 0, 1 and 2, which clears
    // the flag there): a process another thread spawns meanwhile (an sshd, a ProxyCommand)
    // must not inherit a write end and hold this command's output open after it exits.
    for fd in input + output + errors { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

    lock.lock()
    if stopReason != nil {
      // Cancelled before it started: run nothing.
      finished = true
      lock.unlock()
      for fd in input + output + errors { Glibc.close(fd) }
      continuation.resume(returning: Ending(status: -1, stdout: [], stderr: [], stopReason: stopReason))
      return
    }
    let spawned = spawn(stdin: input[0], stdout: output[1], stderr: errors[1])
    for fd in [input[0], output[1], errors[1]] { Glibc.close(fd) }
    guard case .success(let child) = spawned else {
      lock.unlock()
      for fd in [input[1], output[0], errors[0]] { Glibc.close(fd) }
      if case .failure(let error) = spawned { continuation.resume(throwing: error) }
      return
    }
    pid = child
    lock.unlock()

    let drained = DispatchGroup()
    let stdoutBuffer = ByteBuffer()
    let stderrBuffer = ByteBuffer()
    for (fd, buffer) in [(output[0], stdoutBuffer), (errors[0], stderrBuffer)] {
      drained.enter()
      Thread.detachNewThread {
        buffer.drain(fd)
        Glibc.close(fd)
        drained.leave()
      }
    }
    let stdinFD = input[1]
    let bytes = stdinBytes
    Thread.detachNewThread {
      Self.writeAll(bytes, to: stdinFD)
      Glibc.close(stdinFD)
    }
    if let timeout {
      // A no-op once the command has finished.
      DispatchQueue.global().asyncAfter(deadline: .now() + timeout.seconds) { [weak self] in
        self?.stop(reason: .timedOut)
      }
    }
    Thread.detachNewThread { [self] in
      var status: Int32 = 0
      while waitpid(child, &status, 0) < 0, errno == EINTR {}
      drained.wait()
      lock.lock()
      finished = true
      let reason = stopReason
      lock.unlock()
      let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
      continuation.resume(
        returning: Ending(
          status: exitStatus, stdout: stdoutBuffer.bytes, stderr: stderrBuffer.bytes, stopReason: reason))
    }
  }

  private func spawn(stdin: Int32, stdout: Int32, stderr: Int32) -> Result<pid_t, LocalTransportError> {
    var spawner = ProcessSpawner(arguments)
    spawner.searchesPath = true
    spawner.ownProcessGroup = true
    spawner.standardInput = .descriptor(stdin)
    spawner.standardOutput = .descriptor(stdout)
    spawner.standardError = .descriptor(stderr)
    return spawner.spawn().mapError { .spawnFailed($0.program, errno: $0.code) }
  }

  private static func writeAll(_ bytes: [UInt8], to fd: Int32) {
    bytes.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count, let base = buffer.baseAddress {
        let written = write(fd, base + offset, buffer.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          return  // EPIPE: the command does not read its input.
        }
        offset += written
      }
    }
  }
}

/// Bytes read from one pipe until end of file.
private final class ByteBuffer: @unchecked Sendable {
  private let lock = NSLock()
  private var storage: [UInt8] = []

  var bytes: [UInt8] {
    lock.lock()
    defer { lock.unlock() }
    return storage
  }

  func drain(_ fd: Int32) {
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0, errno == EINTR { continue }
      if count <= 0 { return }
      lock.lock()
      storage.append(contentsOf: chunk[0..<count])
      lock.unlock()
    }
  }
}

/// Why a local command could not be started.
public enum LocalTransportError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// posix_spawn or pipe failed.
  case spawnFailed(String, errno: Int32)

  public var description: String {
    switch self {
    case .spawnFailed(let program, let code):
      return "cannot start \(program): \(String(cString: strerror(code))); check it is installed and on PATH"
    }
  }

  public var errorDescription: String? { description }
}

extension LocalTransportError: ExitCodeProviding {
  public var exitCode: Int32 { LabrunExitCode.targetFailed }
}
