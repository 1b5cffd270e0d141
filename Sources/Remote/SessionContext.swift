import CLibSSH2
import Foundation

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
