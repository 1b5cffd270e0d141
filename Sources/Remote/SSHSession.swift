import CLibSSH2
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// How far one non-blocking attempt got.
enum Advance: Equatable {
  /// Something happened; call again before waiting on the socket.
  case progressed
  /// Nothing to do until the socket is ready.
  case wouldBlock
  /// The operation completed (its completion was called).
  case finished
  /// The connection itself failed.
  case connectionLost(String)
}

/// Work the session thread drives with non-blocking libssh2 calls.
protocol SessionOperation: AnyObject {
  /// When the operation's own timeout (or its termination grace period) runs out.
  var deadline: ContinuousClock.Instant? { get }
  /// One non-blocking attempt to make progress.
  func advance(_ context: SessionContext) -> Advance
  /// The deadline passed.
  func expire(_ context: SessionContext)
  /// The caller cancelled.
  func cancel(_ context: SessionContext)
  /// The connection is gone: complete with an error, without touching libssh2.
  func abandon(connectionError: String, host: String)
}

/// Thread-confined state the operations share: the session and the channel-open lock.
final class SessionContext {
  let session: OpaquePointer
  let host: String
  let userIsRoot: Bool
  /// libssh2 keeps channel-open and SFTP-init state per session: one opener at a time.
  private var opener: ObjectIdentifier?
  /// Operations started by other operations (remote kill after a timeout).
  var spawned: [SessionOperation] = []
  /// Set when an operation gave up on an unresponsive peer: the connection is dropped.
  var unresponsive: String?
  /// The operation whose packet libssh2 has only partly sent. libssh2 keeps one partly sent
  /// packet per session and expects the same call to be repeated to finish it; another
  /// channel's send in between is not defined, so until the owner's send completes only the
  /// owner is advanced.
  var sendOwner: ObjectIdentifier?
  /// Reused read buffer.
  let buffer: UnsafeMutableRawBufferPointer

  init(session: OpaquePointer, host: String, userIsRoot: Bool) {
    self.session = session
    self.host = host
    self.userIsRoot = userIsRoot
    self.buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
  }

  deinit { buffer.deallocate() }

  /// Channels open on this connection. OpenSSH refuses sessions past MaxSessions (10 by
  /// default), so new channels wait for a free one; stopping a timed-out command may use two
  /// more so it is never stuck behind the commands it waits on.
  private(set) var openChannels = 0
  static let maxChannels = 8

  func acquireOpener(_ operation: AnyObject, urgent: Bool = false) -> Bool {
    let id = ObjectIdentifier(operation)
    if opener == nil, openChannels < Self.maxChannels + (urgent ? 2 : 0) { opener = id }
    return opener == id
  }

  func channelOpened() { openChannels += 1 }

  func channelClosed() { openChannels -= 1 }

  func releaseOpener(_ operation: AnyObject) {
    if opener == ObjectIdentifier(operation) { opener = nil }
  }

  var lastErrno: Int32 { libssh2_session_last_errno(session) }
}

/// Counts bytes libssh2 reads from the socket, so the loop knows when packets for other
/// channels may have been queued and every operation must look again before polling.
final class ReceiveCounter {
  var bytes: Int = 0
}

/// Replaces libssh2's socket reader: the same `recv`, plus a byte count.
private let countingReceive:
  @convention(c) (
    libssh2_socket_t, UnsafeMutableRawPointer?, Int, Int32, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
  ) -> Int = { socket, buffer, length, flags, abstract in
    let received = recv(socket, buffer, length, flags)
    if received < 0 { return -Int(errno) }
    if let abstract, let pointer = abstract.pointee {
      Unmanaged<ReceiveCounter>.fromOpaque(pointer).takeUnretainedValue().bytes += received
    }
    return received
  }

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

  private init(endpoint: Endpoint) {
    self.endpoint = endpoint
  }

  /// Whether new operations can be submitted.
  var isAlive: Bool { lock.withLock { dead == nil && !closeRequested } }

  /// Connects, verifies the host key, authenticates, then starts the session loop.
  static func connect(
    endpoint: Endpoint,
    keepalive: Int32 = 30,
    verifyHostKey: @escaping @Sendable (HostKey) throws -> Void,
    authenticate: @escaping @Sendable (OpaquePointer) throws -> Void,
    hostKeyPreference: String?
  ) async throws -> SSHSession {
    _ = LibSSH2.initialized
    let session = SSHSession(endpoint: endpoint)
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
      let thread = Thread {
        session.threadMain(
          keepalive: keepalive, verifyHostKey: verifyHostKey, authenticate: authenticate,
          hostKeyPreference: hostKeyPreference, connected: { continuation.resume(with: $0) })
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
    keepalive: Int32,
    verifyHostKey: (HostKey) throws -> Void,
    authenticate: (OpaquePointer) throws -> Void,
    hostKeyPreference: String?,
    connected: (Result<Void, Error>) -> Void
  ) {
    var pipeEnds: [Int32] = [-1, -1]
    guard pipe(&pipeEnds) == 0 else {
      connected(
        .failure(SSHError.connectFailed(host: endpoint.displayName, port: endpoint.port, detail: "pipe()")))
      return
    }
    for end in pipeEnds { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
    wake = (pipeEnds[0], pipeEnds[1])
    let counter = ReceiveCounter()
    let counterPointer = Unmanaged.passRetained(counter)
    var socketFD: Int32 = -1
    var session: OpaquePointer?
    var connectFailure: (any Error)?
    defer {
      if let session {
        libssh2_session_set_blocking(session, 1)
        libssh2_session_set_timeout(session, 2000)
        libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, "labrun done", "")
        libssh2_session_free(session)
      }
      if socketFD >= 0 { Glibc.close(socketFD) }
      counterPointer.release()
      let waiters = lock.withLock {
        if dead == nil { dead = "connection closed" }
        threadFinished = true
        Glibc.close(pipeEnds[0])
        Glibc.close(pipeEnds[1])
        defer { finishWaiters = [] }
        return finishWaiters
      }
      for waiter in waiters { waiter.resume() }
      // Said only now that libssh2 has let go: the caller may exit at once (a refused host key
      // ends `labrun ping`), and exit() tears down libcrypto under any thread still in it.
      if let connectFailure { connected(.failure(connectFailure)) }
    }
    do {
      socketFD = try Self.openSocket(
        host: endpoint.hostName, port: endpoint.port, display: endpoint.displayName)
      guard let created = libssh2_session_init_ex(nil, nil, nil, counterPointer.toOpaque()) else {
        throw SSHError.handshakeFailed(host: endpoint.displayName, detail: "libssh2_session_init failed")
      }
      session = created
      _ = libssh2_session_callback_set(
        created, LIBSSH2_CALLBACK_RECV, unsafeBitCast(countingReceive, to: UnsafeMutableRawPointer.self))
      libssh2_session_set_blocking(created, 1)
      libssh2_session_set_timeout(created, 30_000)
      if let hostKeyPreference {
        _ = libssh2_session_method_pref(created, LIBSSH2_METHOD_HOSTKEY, hostKeyPreference)
      }
      let handshake = libssh2_session_handshake(created, socketFD)
      guard handshake == 0 else {
        throw SSHError.handshakeFailed(host: endpoint.displayName, detail: LibSSH2.lastError(created).message)
      }
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
      libssh2_keepalive_config(created, 0, UInt32(keepalive))
      libssh2_session_set_blocking(created, 0)
    } catch {
      connectFailure = error
      return
    }
    connected(.success(()))
    guard let session else { return }
    runLoop(
      context: SessionContext(
        session: session, host: endpoint.displayName, userIsRoot: endpoint.user == "root"),
      socket: socketFD, counter: counter)
  }

  private func runLoop(context: SessionContext, socket: Int32, counter: ReceiveCounter) {
    var active: [SessionOperation] = []
    let clock = ContinuousClock()
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
      if let failure = drive(&active, context: context, counter: counter) {
        lock.withLock { dead = failure }
        for operation in active { operation.abandon(connectionError: failure, host: context.host) }
        let late = lock.withLock {
          defer { inbox = [] }
          return inbox
        }
        for operation in late { operation.abandon(connectionError: failure, host: context.host) }
        return
      }
      // Keepalives only on an idle connection: with commands running, traffic flows anyway,
      // and a keepalive must never interleave with another channel's partly sent packet.
      var nextKeepalive: Int32 = 30
      let keepaliveResult = active.isEmpty ? libssh2_keepalive_send(context.session, &nextKeepalive) : 0
      if keepaliveResult != 0, keepaliveResult != LibSSH2.eagain, LibSSH2.isConnectionError(keepaliveResult) {
        let failure = LibSSH2.lastError(context.session).message
        lock.withLock { dead = failure }
        for operation in active { operation.abandon(connectionError: failure, host: context.host) }
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
      if !active.isEmpty {
        let directions = libssh2_session_block_directions(context.session)
        var events: Int16 = 0
        if directions & LIBSSH2_SESSION_BLOCK_INBOUND != 0 { events |= Int16(POLLIN) }
        if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { events |= Int16(POLLOUT) }
        fds.append(pollfd(fd: socket, events: events == 0 ? Int16(POLLIN) : events, revents: 0))
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
  private func drive(_ active: inout [SessionOperation], context: SessionContext, counter: ReceiveCounter)
    -> String?
  {
    var again = true
    while again {
      let bytesBefore = counter.bytes
      again = false
      var index = 0
      while index < active.count {
        let operation = active[index]
        let id = ObjectIdentifier(operation)
        if let owner = context.sendOwner, owner != id {
          index += 1
          continue
        }
        var result = operation.advance(context)
        var spins = 0
        while result == .progressed, spins < 32 {
          again = true
          result = operation.advance(context)
          spins += 1
        }
        let sendPending =
          libssh2_session_block_directions(context.session) & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0
        if result == .wouldBlock, sendPending {
          context.sendOwner = id
        } else if context.sendOwner == id {
          context.sendOwner = nil
          again = true
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
          active.remove(at: index)
          operation.abandon(connectionError: detail, host: context.host)
          return detail
        }
      }
      if let unresponsive = context.unresponsive { return unresponsive }
      if !context.spawned.isEmpty {
        active += context.spawned
        context.spawned = []
        again = true
      }
      if counter.bytes != bytesBefore { again = true }
    }
    return nil
  }

  /// A connected, non-blocking-capable TCP socket with TCP_NODELAY and keepalive set.
  private static func openSocket(host: String, port: Int, display: String) throws -> Int32 {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(host, String(port), &hints, &list)
    guard status == 0, let list else {
      throw SSHError.connectFailed(host: display, port: port, detail: String(cString: gai_strerror(status)))
    }
    defer { freeaddrinfo(list) }
    var lastError = "no address"
    var cursor: UnsafeMutablePointer<addrinfo>? = list
    while let info = cursor {
      cursor = info.pointee.ai_next
      let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
      if fd < 0 { continue }
      var one: Int32 = 1
      _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
      _ = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))
      // A peer that vanished without a reset (VM stopped, network cut) is noticed within
      // about a minute instead of the kernel's two hours, so a waiting command fails instead of hanging.
      var idle: Int32 = 30
      var interval: Int32 = 10
      var probes: Int32 = 3
      _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &idle, socklen_t(MemoryLayout<Int32>.size))
      _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPINTVL, &interval, socklen_t(MemoryLayout<Int32>.size))
      _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPCNT, &probes, socklen_t(MemoryLayout<Int32>.size))
      let flags = fcntl(fd, F_GETFL)
      _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
      var result = Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen)
      if result != 0, errno == EINPROGRESS {
        var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        if poll(&descriptor, 1, 15_000) == 1 {
          var socketError: Int32 = 0
          var length = socklen_t(MemoryLayout<Int32>.size)
          _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length)
          result = socketError == 0 ? 0 : -1
          errno = socketError
        } else {
          errno = ETIMEDOUT
        }
      }
      if result == 0 {
        _ = fcntl(fd, F_SETFL, flags)
        return fd
      }
      lastError = String(cString: strerror(errno))
      Glibc.close(fd)
    }
    throw SSHError.connectFailed(host: display, port: port, detail: lastError)
  }
}
