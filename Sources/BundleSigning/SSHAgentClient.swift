import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A client for ssh-agent (draft-miller-ssh-agent) over its Unix socket: lists identities and
/// asks for signatures. One connection per request; the key never leaves the agent.
struct SSHAgentClient: Sendable {
  /// One key the agent holds.
  struct Identity: Sendable {
    var blob: [UInt8]
    var comment: String
  }

  static let failure: UInt8 = 5
  static let requestIdentities: UInt8 = 11
  static let identitiesAnswer: UInt8 = 12
  static let signRequest: UInt8 = 13
  static let signResponse: UInt8 = 14
  /// Sign-request flag asking an RSA key for rsa-sha2-512 instead of ssh-rsa (SHA-1).
  static let rsaSHA2_512: UInt32 = 4
  /// The largest reply accepted, as OpenSSH's own client limits it.
  static let maximumMessage = 256 * 1024
  /// How long to wait on the agent (it may be asking the user to confirm, `ssh-add -c`).
  static let timeoutSeconds = 120

  let socketPath: String

  /// The keys the agent holds, in its order.
  func identities() throws -> [Identity] {
    let (type, payload) = try request(type: Self.requestIdentities, payload: [])
    guard type == Self.identitiesAnswer else { throw failure("answered \(type) to a request for identities") }
    var reader = SSHWireReader(payload)
    return try SSHWireError.mapping({ failure("malformed identities answer: \($0)") }) {
      let count = try reader.readUInt32("identity count")
      var identities: [Identity] = []
      for _ in 0..<count {
        let blob = try reader.readString("key")
        let comment = String(decoding: try reader.readString("comment"), as: UTF8.self)
        identities.append(Identity(blob: blob, comment: comment))
      }
      return identities
    }
  }

  /// Asks the agent to sign `data` with the key whose blob is `keyBlob`.
  ///
  /// - Returns: the SSH signature blob (`string algorithm, string signature`), or nil when the
  ///   agent answered SSH_AGENT_FAILURE (key not held, confirmation declined).
  func sign(keyBlob: [UInt8], data: [UInt8], flags: UInt32) throws -> [UInt8]? {
    var writer = SSHWireWriter()
    writer.write(string: keyBlob)
    writer.write(string: data)
    writer.write(uint32: flags)
    let (type, payload) = try request(type: Self.signRequest, payload: writer.bytes)
    if type == Self.failure { return nil }
    guard type == Self.signResponse else { throw failure("answered \(type) to a sign request") }
    var reader = SSHWireReader(payload)
    return try SSHWireError.mapping({ failure("malformed sign response: \($0)") }) {
      let signature = try reader.readString("signature")
      try reader.expectEnd("the signature")
      return signature
    }
  }

  func failure(_ reason: String) -> BundleSignatureError {
    .agentFailure(socket: socketPath, reason: reason)
  }

  /// Sends one message and reads one reply: `uint32 length, byte type, payload`.
  private func request(type: UInt8, payload: [UInt8]) throws -> (UInt8, [UInt8]) {
    let descriptor = try openConnection()
    defer { close(descriptor) }
    var message = SSHWireWriter()
    message.write(uint32: UInt32(payload.count + 1))
    message.write(raw: [type])
    message.write(raw: payload)
    try transmit(message.bytes, on: descriptor)
    let header = try receive(count: 4, on: descriptor)
    let length = Int(header.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    guard length >= 1, length <= Self.maximumMessage else { throw failure("reply of \(length) bytes") }
    let body = try receive(count: length, on: descriptor)
    return (body[0], Array(body.dropFirst()))
  }

  private func openConnection() throws -> Int32 {
    #if canImport(Glibc)
      let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    #else
      let descriptor = socket(AF_UNIX, SOCK_STREAM, 0)
    #endif
    guard descriptor >= 0 else { throw failure("socket: \(String(cString: strerror(errno)))") }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let path = Array(socketPath.utf8)
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    guard path.count < capacity else {
      close(descriptor)
      throw failure("socket path longer than \(capacity - 1) bytes")
    }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      raw.copyBytes(from: path)
      raw[path.count] = 0
    }
    var timeout = timeval(tv_sec: Self.timeoutSeconds, tv_usec: 0)
    let timeoutSize = socklen_t(MemoryLayout<timeval>.size)
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, timeoutSize)
    setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, timeoutSize)
    #if canImport(Darwin)
      var one: Int32 = 1
      setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
    #endif
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    guard connected == 0 else {
      let reason = String(cString: strerror(errno))
      close(descriptor)
      throw failure("cannot connect: \(reason)")
    }
    return descriptor
  }

  private func transmit(_ bytes: [UInt8], on descriptor: Int32) throws {
    #if canImport(Glibc)
      let flags = Int32(MSG_NOSIGNAL)
    #else
      let flags: Int32 = 0
    #endif
    var sent = 0
    while sent < bytes.count {
      let count = bytes[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, flags) }
      if count < 0 {
        if errno == EINTR { continue }
        throw failure("send: \(String(cString: strerror(errno)))")
      }
      sent += count
    }
  }

  private func receive(count: Int, on descriptor: Int32) throws -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: count)
    var received = 0
    while received < count {
      let got = buffer[received...].withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
      if got < 0 {
        if errno == EINTR { continue }
        if errno == EAGAIN || errno == EWOULDBLOCK {
          throw failure("no answer within \(Self.timeoutSeconds) s")
        }
        throw failure("recv: \(String(cString: strerror(errno)))")
      }
      guard got > 0 else { throw failure("closed the connection mid-reply") }
      received += got
    }
    return buffer
  }
}
