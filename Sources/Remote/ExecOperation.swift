import CLibSSH2
import Foundation
import LabPipeline

/// What an exec channel produced, wrapper lines removed.
struct ExecResult: Sendable {
  var stdout: [UInt8]
  var stderr: [UInt8]
  var exitStatus: Int32
  var startedAt: Date
  var finishedAt: Date
}

/// Runs one command on its own channel: open, exec, feed stdin, drain stdout and stderr
/// together, close, read the exit status.
///
/// The command runs under a small `/bin/sh` wrapper that reports its process id (so a
/// timeout or cancellation can stop the whole remote process group) and its exit status
/// (so a channel that closes without one is detected instead of read as 0). Both wrapper
/// lines carry a per-command nonce and are removed from stderr.
final class ExecOperation: SessionOperation {
  enum Termination {
    case timedOut(Duration)
    case cancelled
  }

  private enum Phase: Equatable {
    case opening, starting, running
    case tearingDown(ChannelTeardown)
  }

  let displayCommand: String
  private let wrapped: String
  private let nonce: String
  private let privileged: Bool
  private let stdin: [UInt8]
  private var stdinOffset = 0
  private var eofSent = false
  private var stdout: [UInt8] = []
  private var stderr: [UInt8] = []
  private var channel: OpaquePointer?
  private var phase = Phase.opening
  private var started = false
  private var termination: Termination?
  private var forcedClose = false
  /// Terminated before the wrapper's pid line arrived: kill as soon as it does.
  private var killPending = false
  private let timeout: Duration?
  /// How long each stage of stopping the command may take.
  private let bounds: StopBounds
  /// Stops another command: may use a channel beyond the usual limit.
  private let urgent: Bool
  private(set) var deadline: ContinuousClock.Instant?
  private let startedAt = Date()
  private var completion: ((Result<ExecResult, Error>) -> Void)?

  /// - Parameter completion: called exactly once, on the session thread.
  init(
    command: String, privileged: Bool, userIsRoot: Bool, stdin: [UInt8]?, timeout: Duration?,
    bounds: StopBounds = .standard, urgent: Bool = false,
    completion: @escaping (Result<ExecResult, Error>) -> Void
  ) {
    self.displayCommand = command
    self.bounds = bounds
    self.privileged = privileged && !userIsRoot
    self.stdin = stdin ?? []
    self.timeout = timeout
    self.urgent = urgent
    self.nonce = String(UInt64.random(in: 0...UInt64.max), radix: 16)
    let inner = (self.privileged ? "sudo -n /bin/sh -c " : "/bin/sh -c ") + ShellQuote.quote(command)
    let wrapper =
      "printf 'labrun-%s-pid:%s\\n' \(nonce) \"$$\" >&2; \(inner); labrun_status=$?; "
      + "printf '\\nlabrun-%s-exit:%s\\n' \(nonce) \"$labrun_status\" >&2; exit \"$labrun_status\""
    self.wrapped = "exec /bin/sh -c " + ShellQuote.quote(wrapper)
    self.completion = completion
    if let timeout { deadline = ContinuousClock.now.advanced(by: timeout) }
  }

  // MARK: SessionOperation

  func advance(_ context: SessionContext) -> Advance {
    switch phase {
    case .opening: return open(context)
    case .starting: return start(context)
    case .running: return pump(context)
    case .tearingDown(let teardown): return tearDown(teardown, context)
    }
  }

  func expire(_ context: SessionContext) {
    guard termination == nil else {
      if killPending {
        killPending = false
        forceClose()
      } else if forcedClose {
        // The peer acknowledged neither the kill nor the close: give up on the connection.
        finish(.failure(terminationError()))
        context.unresponsive = "no response from the host after stopping: \(displayCommand)"
      } else {
        forceClose()
      }
      return
    }
    terminate(.timedOut(timeout ?? .zero), context)
  }

  func cancel(_ context: SessionContext) {
    guard termination == nil else { return }
    terminate(.cancelled, context)
  }

  func abandon(connectionError: String, host: String) {
    if termination != nil {
      // Its timeout or cancellation came first: that is what the caller is told.
      finish(.failure(terminationError()))
      return
    }
    let error: Error =
      started
      ? TransportError.connectionLost(
        host: host, detail: connectionError + " (while running: \(displayCommand))")
      : SessionFailure.notStarted(detail: connectionError)
    finish(.failure(error))
  }

  // MARK: Phases

  private func open(_ context: SessionContext) -> Advance {
    if termination != nil {
      finish(.failure(terminationError()))
      return .finished
    }
    guard context.acquireOpener(self, urgent: urgent) else { return .wouldBlock }
    let opened = libssh2_channel_open_ex(context.session, "session", 7, 2 * 1024 * 1024, 32768, nil, 0)
    if let opened {
      context.releaseOpener(self)
      context.channelOpened()
      channel = opened
      phase = .starting
      return .progressed
    }
    let code = context.lastErrno
    if code == LibSSH2.eagain { return .wouldBlock }
    context.releaseOpener(self)
    if LibSSH2.isConnectionError(code) { return .connectionLost(LibSSH2.lastError(context.session).message) }
    finish(.failure(LibSSH2.error("libssh2_channel_open", context.session, code: code)))
    return .finished
  }

  private func start(_ context: SessionContext) -> Advance {
    guard let channel else { return .finished }
    let rc = wrapped.withCString { pointer in
      libssh2_channel_process_startup(channel, "exec", 4, pointer, UInt32(wrapped.utf8.count))
    }
    if rc == LibSSH2.eagain { return .wouldBlock }
    if rc != 0 {
      if LibSSH2.isConnectionError(rc) { return .connectionLost(LibSSH2.lastError(context.session).message) }
      let error = LibSSH2.error("libssh2_channel_exec", context.session, code: rc)
      failAndFree(error)
      return .progressed
    }
    started = true
    phase = .running
    return .progressed
  }

  private func pump(_ context: SessionContext) -> Advance {
    guard let channel else { return .finished }
    var progressed = false
    if stdinOffset < stdin.count {
      let written = LibSSH2.write(channel, stdin, from: stdinOffset, limit: 32768)
      if written > 0 {
        stdinOffset += written
        progressed = true
      } else if written != Int(LibSSH2.eagain), written < 0 {
        return failure(Int32(written), call: "libssh2_channel_write", context)
      }
    } else if !eofSent, let rc = LibSSH2.sendEOF(channel, sent: &eofSent, progressed: &progressed) {
      return failure(rc, call: "libssh2_channel_send_eof", context)
    }
    for stream: Int32 in [0, SSH_EXTENDED_DATA_STDERR] {
      let buffer = context.buffer
      let count = libssh2_channel_read_ex(
        channel, stream, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), buffer.count)
      if count > 0 {
        if stream == 0 {
          stdout.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        } else {
          stderr.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        progressed = true
      } else if count < 0, count != Int(LibSSH2.eagain) {
        return failure(Int32(count), call: "libssh2_channel_read", context)
      }
    }
    if killPending, progressed { _ = spawnKillerIfPossible(context) }
    if progressed { return .progressed }
    if libssh2_channel_eof(channel) == 1 {
      phase = .tearingDown(ChannelTeardown())
      return .progressed
    }
    return .wouldBlock
  }

  private func tearDown(_ teardown: ChannelTeardown, _ context: SessionContext) -> Advance {
    guard let channel else { return .finished }
    var teardown = teardown
    var sshStatus: Int32 = 0
    var signal: String?
    let step = teardown.advance(channel, context) { channel in
      sshStatus = libssh2_channel_get_exit_status(channel)
      signal = exitSignal(channel, context.session)
    }
    phase = .tearingDown(teardown)
    guard step == .finished else { return step }
    self.channel = nil
    if let pendingError {
      finish(.failure(pendingError))
    } else if termination != nil {
      finish(.failure(terminationError()))
    } else {
      finish(outcome(sshStatus: sshStatus, signal: signal))
    }
    return .finished
  }

  // MARK: Outcome

  private var pendingError: Error?

  private func failAndFree(_ error: Error) {
    pendingError = error
    phase = .tearingDown(.freeOnly)
  }

  private func failure(_ code: Int32, call: String, _ context: SessionContext) -> Advance {
    if LibSSH2.isConnectionError(code) { return .connectionLost(LibSSH2.lastError(context.session).message) }
    failAndFree(LibSSH2.error(call, context.session, code: code))
    return .progressed
  }

  private func outcome(sshStatus: Int32, signal: String?) -> Result<ExecResult, Error> {
    _ = removeLine(marker: "labrun-\(nonce)-pid:", last: false)
    let trailer = removeLine(marker: "\nlabrun-\(nonce)-exit:", last: true)
    let status: Int32
    if let trailer, let value = Int32(trailer) {
      status = value
    } else if let signal {
      status = 128 + Self.signalNumber(signal)
    } else {
      return .failure(TransportError.noExitStatus(command: displayCommand))
    }
    if privileged, status == 1, Self.sudoNeedsPassword(stderr) {
      return .failure(SessionFailure.sudoNeedsPassword)
    }
    return .success(
      ExecResult(stdout: stdout, stderr: stderr, exitStatus: status, startedAt: startedAt, finishedAt: Date())
    )
  }

  /// The remote wrapper's process id, once its first line has arrived.
  private var remotePID: Int? {
    let marker = Array("labrun-\(nonce)-pid:".utf8)
    guard let range = stderr.firstRange(of: marker) else { return nil }
    let digits = stderr[range.upperBound...].prefix { $0 >= 0x30 && $0 <= 0x39 }
    guard stderr[range.upperBound...].count > digits.count else { return nil }
    return Int(String(decoding: digits, as: UTF8.self))
  }

  /// Removes the wrapper line starting with `marker` from stderr; returns what followed it.
  private func removeLine(marker: String, last: Bool) -> String? {
    let bytes = Array(marker.utf8)
    guard let range = last ? stderr.lastRange(of: bytes) : stderr.firstRange(of: bytes) else { return nil }
    var end = range.upperBound
    while end < stderr.count, stderr[end] != 0x0A { end += 1 }
    let value = String(decoding: stderr[range.upperBound..<end], as: UTF8.self)
    if end < stderr.count { end += 1 }
    stderr.removeSubrange(range.lowerBound..<end)
    return value
  }

  static func sudoNeedsPassword(_ stderr: [UInt8]) -> Bool {
    let text = String(decoding: stderr, as: UTF8.self)
    return text.contains("sudo: a password is required") || text.contains("sudo: a terminal is required")
      || text.contains("sudo: no tty present")
  }

  private func exitSignal(_ channel: OpaquePointer, _ session: OpaquePointer) -> String? {
    var name: UnsafeMutablePointer<CChar>?
    var length = 0
    guard libssh2_channel_get_exit_signal(channel, &name, &length, nil, nil, nil, nil) == 0, let name,
      length > 0
    else { return nil }
    defer { libssh2_free(session, name) }
    return name.withMemoryRebound(to: UInt8.self, capacity: length) {
      String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
  }

  static func signalNumber(_ name: String) -> Int32 {
    let table: [String: Int32] = [
      "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "ABRT": 6, "FPE": 8, "KILL": 9, "SEGV": 11, "PIPE": 13,
      "ALRM": 14, "TERM": 15, "USR1": 10, "USR2": 12,
    ]
    return table[name] ?? 0
  }

  // MARK: Termination

  private func terminate(_ reason: Termination, _ context: SessionContext) {
    termination = reason
    switch phase {
    case .opening:
      break  // `open` finishes it on the next advance
    case .starting, .running:
      if !spawnKillerIfPossible(context) {
        // The pid line is the wrapper's first output; wait briefly for it rather than close
        // the channel and leave the command running.
        killPending = true
        deadline = ContinuousClock.now.advanced(by: bounds.pidLine)
      }
    case .tearingDown:
      break
    }
  }

  /// Starts the remote kill once the wrapper's pid is known; false while it is not.
  private func spawnKillerIfPossible(_ context: SessionContext) -> Bool {
    guard let pid = remotePID else { return false }
    killPending = false
    context.spawned.append(
      Self.killer(pid: pid, privileged: privileged, userIsRoot: context.userIsRoot, bounds: bounds))
    deadline = ContinuousClock.now.advanced(by: bounds.kill)
    return true
  }

  private func forceClose() {
    switch phase {
    case .starting, .running: break
    case .tearingDown(let teardown) where teardown.stage == .waitingClosed: break
    default: return
    }
    forcedClose = true
    deadline = ContinuousClock.now.advanced(by: bounds.close)
    phase = .tearingDown(ChannelTeardown(waitingForPeer: false))
  }

  /// Stops the remote process group: TERM, then KILL if it is still there after 5 s.
  static func killer(pid: Int, privileged: Bool, userIsRoot: Bool, bounds: StopBounds) -> ExecOperation {
    // dash's kill takes a process group as `-PGID` (it rejects `--`); the wrapper shell is a
    // session leader (sshd calls setsid), so its pid is the group id.
    let script =
      "kill -TERM -\(pid) 2>/dev/null || kill -TERM \(pid) 2>/dev/null; i=0; "
      + "while kill -0 -\(pid) 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; "
      + "kill -KILL -\(pid) 2>/dev/null; exit 0"
    return ExecOperation(
      command: script, privileged: privileged, userIsRoot: userIsRoot, stdin: nil,
      timeout: bounds.kill + .seconds(5), bounds: bounds, urgent: true, completion: { _ in })
  }

  private func terminationError() -> Error {
    switch termination {
    case .timedOut(let after): return TransportError.timedOut(command: displayCommand, after: after)
    case .cancelled, nil: return TransportError.cancelled(command: displayCommand)
    }
  }

  private func finish(_ result: Result<ExecResult, Error>) {
    guard let completion else { return }
    self.completion = nil
    completion(result)
  }
}
