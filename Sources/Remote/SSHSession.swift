import CLibSSH2
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One SSH connection: a socket, a libssh2 session, and the dedicated thread that owns both.
///
/// libssh2 sessions must be used by one thread at a time and its calls must not block
/// Swift's cooperative pool, so every call happens on this session's own thread, in
/// non-blocking mode, with the socket polled. Many channels share the connection.
final class SSHSession: @unchecked Sendable {
  struct Endpoint: Sendable {
    var displayName: String
    var hostName: String
    var port: Int
    var user: String
  }

  let endpoint: Endpoint
  private(set) var hostKey = HostKey(type: "", blob: [])

  private let lock = NSLock()
  private var inbox: [SessionOperation] = []
  private var cancellations: [SessionOperation] = []
  private var closeRequested = false
  private var dead: String?
  private var threadFinished = false
  private var finishWaiters: [CheckedContinuation<Void, Never>] = []
  private var wake: (read: Int32, write: Int32) = (-1, -1)
  /// Signalled once when the session thread ends.
  private let finished = DispatchSemaphore(value: 0)

  private init(endpoint: Endpoint) {
    self.endpoint = endpoint
  }

  /// Why the connection ended, once it has.
  var failureReason: String? { lock.withLock { dead } }

  /// Whether new operations can be submitted.
  var isAlive: Bool { lock.withLock { dead == nil && !closeRequested } }

  /// Connects over `link` (which the session then owns), verifies the host key,
  /// authenticates, then starts the session loop. `connectTimeout` (ConnectTimeout) bounds
  /// opening the link and the SSH handshake.
  static func connect(
    endpoint: Endpoint,
    link: SSHLink,
    keepalive: Int32 = 30,
    keepaliveCountMax: Int = 3,
    connectTimeout: Duration? = nil,
    verifyHostKey: @escaping @Sendable (HostKey) throws -> Void,
    authenticate: @escaping @Sendable (OpaquePointer) throws -> Void,
    hostKeyPreference: String?
  ) async throws -> SSHSession {
    _ = LibSSH2.initialized
    let session = SSHSession(endpoint: endpoint)
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
      let thread = Thread {
        session.threadMain(
          link: link, keepalive: keepalive, keepaliveCountMax: keepaliveCountMax,
          connectTimeout: connectTimeout,
          verifyHostKey: verifyHostKey,
          authenticate: authenticate, hostKeyPreference: hostKeyPreference,
          connected: { continuation.resume(with: $0) })
      }
      thread.name = "labrun-ssh-\(endpoint.hostName)"
      thread.stackSize = 4 << 20
      thread.start()
    }
    return session
  }

  /// Hands an operation to the session thread; fails it at once if the connection is gone.
  func submit(_ operation: SessionOperation) {
    let rejected: String? = lock.withLock {
      if let dead { return dead }
      if closeRequested { return "connection closed" }
      inbox.append(operation)
      return nil
    }
    if let rejected {
      operation.abandon(connectionError: rejected, host: endpoint.displayName)
      return
    }
    poke()
  }

  func cancel(_ operation: SessionOperation) {
    lock.withLock { cancellations.append(operation) }
    poke()
  }

  /// Disconnects; operations still running fail with a connection error.
  func close() {
    lock.withLock { closeRequested = true }
    poke()
  }

  /// Disconnects and waits until the session thread has let go of libssh2, so the process
  /// can exit without its crypto library being torn down under a running thread.
  func closeAndWait() async {
    close()
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let done = lock.withLock {
        if threadFinished { return true }
        finishWaiters.append(continuation)
        return false
      }
      if done { continuation.resume() }
    }
  }

  /// Blocks the calling thread (never a cooperative-pool one: another session's thread) until
  /// this session's thread has let go of libssh2.
  func waitUntilFinished() {
    finished.wait()
    finished.signal()
  }

  /// Wakes the session thread; never writes to the pipe once the thread closed it.
  private func poke() {
    lock.withLock {
      guard !threadFinished, wake.write >= 0 else { return }
      var byte: UInt8 = 1
      _ = withUnsafeBytes(of: &byte) { write(wake.write, $0.baseAddress, 1) }
    }
  }

  // MARK: - Session thread

  private func threadMain(
    link: SSHLink,
    keepalive: Int32,
    keepaliveCountMax: Int,
    connectTimeout: Duration?,
    verifyHostKey: (HostKey) throws -> Void,
    authenticate: (OpaquePointer) throws -> Void,
    hostKeyPreference: String?,
    connected: (Result<Void, Error>) -> Void
  ) {
    var pipeEnds: [Int32] = [-1, -1]
    guard pipe(&pipeEnds) == 0 else {
      connected(
        .failure(SSHError.connectFailed(host: endpoint.displayName, port: endpoint.port, detail: "pipe()")))
      finished.signal()
      return
    }
    for end in pipeEnds {
      _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
      _ = fcntl(end, F_SETFD, FD_CLOEXEC)
    }
    wake = (pipeEnds[0], pipeEnds[1])
    let io = SessionIO()
    let ioPointer = Unmanaged.passRetained(io)
    var opened: OpenLink?
    var session: OpaquePointer?
    // A failed connect is reported only once everything below is torn down: the caller may
    // exit the process right away, and libcrypto must not be cleaned up under this thread.
    var connectError: (any Error)?
    defer {
      if let session {
        if let opened {
          io.buffering = false
          _ = io.flushWaiting(opened.socket, timeout: .seconds(2))
        }
        libssh2_session_set_blocking(session, 1)
        libssh2_session_set_timeout(session, 2000)
        libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, "labrun done", "")
        libssh2_session_free(session)
      }
      // Closes the socket, then what is behind it: the ProxyCommand, or the jump host's
      // session (and, through its own link, the rest of the route), waiting for each.
      opened?.close()
      ioPointer.release()
      let waiters = lock.withLock {
        if dead == nil { dead = "connection closed" }
        threadFinished = true
        Glibc.close(pipeEnds[0])
        Glibc.close(pipeEnds[1])
        defer { finishWaiters = [] }
        return finishWaiters
      }
      for waiter in waiters { waiter.resume() }
      finished.signal()
      if let connectError { connected(.failure(connectError)) }
    }
    do {
      let linkTimeout = connectTimeout ?? .seconds(15)
      let link = try link.open(display: endpoint.displayName, timeout: linkTimeout)
      opened = link
      guard let created = libssh2_session_init_ex(nil, nil, nil, ioPointer.toOpaque()) else {
        throw SSHError.handshakeFailed(host: endpoint.displayName, detail: "libssh2_session_init failed")
      }
      session = created
      SessionIO.install(on: created)
      libssh2_session_set_blocking(created, 1)
      let handshakeTimeout = connectTimeout.map { Int($0.seconds * 1000) } ?? 30_000
      libssh2_session_set_timeout(created, handshakeTimeout)
      if let hostKeyPreference {
        _ = libssh2_session_method_pref(created, LIBSSH2_METHOD_HOSTKEY, hostKeyPreference)
      }
      let handshake = libssh2_session_handshake(created, link.socket)
      guard handshake == 0 else {
        var detail = LibSSH2.lastError(created).message
        if let behind = link.failureDetail { detail += "; \(behind)" }
        throw SSHError.handshakeFailed(host: endpoint.displayName, detail: detail)
      }
      libssh2_session_set_timeout(created, 30_000)
      var length = 0
      var type: Int32 = 0
      guard let raw = libssh2_session_hostkey(created, &length, &type), length > 0 else {
        throw SSHError.handshakeFailed(host: endpoint.displayName, detail: "server sent no host key")
      }
      let blob = raw.withMemoryRebound(to: UInt8.self, capacity: length) {
        Array(UnsafeBufferPointer(start: $0, count: length))
      }
      guard let key = HostKey(blob: blob) else {
        throw SSHError.handshakeFailed(host: endpoint.displayName, detail: "unparseable host key")
      }
      hostKey = key
      try verifyHostKey(key)
      try authenticate(created)
      // Want a reply: a live host's answer is what tells it from a silent route. libssh2 keeps
      // the unexpected replies in its packet list (a few bytes per keepalive interval).
      libssh2_keepalive_config(created, 1, UInt32(keepalive))
      libssh2_session_set_blocking(created, 0)
      io.buffering = true
    } catch {
      connectError = error
      return
    }
    connected(.success(()))
    guard let session, let opened else { return }
    runLoop(
      context: SessionContext(
        session: session, host: endpoint.displayName, userIsRoot: endpoint.user == "root"),
      socket: opened.socket, io: io, keepalive: keepalive, keepaliveCountMax: keepaliveCountMax,
      linkDetail: { opened.failureDetail })
  }

  private func runLoop(
    context: SessionContext, socket: Int32, io: SessionIO, keepalive: Int32, keepaliveCountMax: Int,
    linkDetail: () -> String?
  ) {
    var active: [SessionOperation] = []
    let clock = ContinuousClock()
    let silenceLimit = Duration.seconds(Int(keepalive) * max(1, keepaliveCountMax))
    var silentSince: ContinuousClock.Instant?
    var bytesHeard = 0
    while true {
      let (incoming, cancelled, closing) = lock.withLock {
        defer {
          inbox = []
          cancellations = []
        }
        return (inbox, cancellations, closeRequested)
      }
      active += incoming
      if closing {
        for operation in active {
          operation.abandon(connectionError: "connection closed", host: context.host)
        }
        return
      }
      for operation in cancelled where active.contains(where: { $0 === operation }) {
        operation.cancel(context)
      }
      let now = clock.now
      for operation in active {
        if let deadline = operation.deadline, deadline <= now { operation.expire(context) }
      }
      func fail(_ reason: String) {
        // What happened behind the link (the ProxyCommand exited, the jump host's connection
        // ended) is the cause the caller needs; the session itself only saw its socket close.
        let failure = linkDetail().map { "\(reason); \($0)" } ?? reason
        lock.withLock { dead = failure }
        for operation in active { operation.abandon(connectionError: failure, host: context.host) }
        let late = lock.withLock {
          defer { inbox = [] }
          return inbox
        }
        for operation in late { operation.abandon(connectionError: failure, host: context.host) }
      }
      if let failure = drive(&active, context: context, io: io) {
        fail(failure)
        return
      }
      // Keepalives that the host answers, while idle and while operations wait on it: silence
      // for `keepalive × keepaliveCountMax` while something waits means the host, or the route
      // to it, is gone (a ProxyCommand or a jump host does not pass a dropped connection on as
      // TCP does). Sends always complete whole (SessionIO), so one can go out at any time.
      var nextKeepalive: Int32 = keepalive
      let keepaliveResult = libssh2_keepalive_send(context.session, &nextKeepalive)
      if keepaliveResult != 0, LibSSH2.isConnectionError(keepaliveResult) {
        fail(LibSSH2.lastError(context.session).message)
        return
      }
      guard io.flush(socket) else {
        fail("send: \(String(cString: strerror(io.sendError ?? EPIPE)))")
        return
      }
      if active.isEmpty {
        silentSince = nil
      } else if silentSince == nil || io.bytesReceived != bytesHeard {
        silentSince = clock.now
        bytesHeard = io.bytesReceived
      } else if let since = silentSince, clock.now - since >= silenceLimit {
        fail(
          "no response from the host for \(silenceLimit.formattedSeconds) "
            + "(\(keepaliveCountMax) keepalives \(keepalive)s apart unanswered)")
        return
      }
      var timeoutMS = Int32(max(1, nextKeepalive)) * 1000
      let after = clock.now
      for operation in active {
        guard let deadline = operation.deadline else { continue }
        let remaining = after.duration(to: deadline)
        timeoutMS = min(timeoutMS, Int32(max(0, remaining.seconds * 1000).rounded(.up)))
      }
      var fds = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
      if !active.isEmpty || io.hasPending {
        var events = active.isEmpty ? Int16(0) : Int16(POLLIN)
        if io.hasPending { events |= Int16(POLLOUT) }
        fds.append(pollfd(fd: socket, events: events, revents: 0))
        fds += active.compactMap(\.pollDescriptor)
      }
      _ = poll(&fds, nfds_t(fds.count), timeoutMS)
      if fds[0].revents & Int16(POLLIN) != 0 {
        var drain = [UInt8](repeating: 0, count: 256)
        while read(wake.read, &drain, drain.count) > 0 {}
      }
    }
  }

  /// Advances every operation until a whole pass neither progressed nor read from the
  /// socket; returns a connection failure, if one happened.
  private func drive(_ active: inout [SessionOperation], context: SessionContext, io: SessionIO)
    -> String?
  {
    var again = true
    while again {
      let bytesBefore = io.bytesReceived
      again = false
      var index = 0
      while index < active.count {
        let operation = active[index]
        var result = operation.advance(context)
        var spins = 0
        while result == .progressed, spins < 32 {
          again = true
          result = operation.advance(context)
          spins += 1
        }
        switch result {
        case .progressed:
          again = true
          index += 1
        case .wouldBlock:
          index += 1
        case .finished:
          again = true
          active.remove(at: index)
        case .connectionLost(let detail):
          // The caller abandons every operation, this one included, with the full reason.
          return detail
        }
      }
      if let unresponsive = context.unresponsive { return unresponsive }
      if !context.spawned.isEmpty {
        active += context.spawned
        context.spawned = []
        again = true
      }
      if io.bytesReceived != bytesBefore { again = true }
    }
    return nil
  }
}
