import CLibSSH2

/// The end of a channel in libssh2's three non-blocking calls: close (our close message),
/// wait_closed (the peer's), free. Every channel an operation opens (a command's, a jump
/// tunnel's) ends through it, so each ends the same way and is counted closed once.
struct ChannelTeardown: Equatable {
  enum Stage: Equatable {
    case closing, waitingClosed, freeing
  }

  private(set) var stage: Stage
  /// Whether to wait for the peer's close; not after giving up on a command that ignored its
  /// stop.
  private let waitsForPeer: Bool

  /// The whole teardown; `waitingForPeer` false skips waiting for the peer's close.
  init(waitingForPeer: Bool = true) {
    stage = .closing
    waitsForPeer = waitingForPeer
  }

  /// Only the free: the channel failed or the peer never acknowledged the close.
  static var freeOnly: ChannelTeardown {
    var teardown = ChannelTeardown()
    teardown.stage = .freeing
    return teardown
  }

  /// One non-blocking step on `channel`: `.finished` once it is freed and counted closed.
  /// `beforeFree` reads what the channel still holds (its exit status) just before the free.
  mutating func advance(
    _ channel: OpaquePointer, _ context: SessionContext, beforeFree: (OpaquePointer) -> Void = { _ in }
  ) -> Advance {
    switch stage {
    case .closing:
      if let pending = Self.pending(libssh2_channel_close(channel), context) { return pending }
      stage = waitsForPeer ? .waitingClosed : .freeing
      return .progressed
    case .waitingClosed:
      if let pending = Self.pending(libssh2_channel_wait_closed(channel), context) { return pending }
      stage = .freeing
      return .progressed
    case .freeing:
      beforeFree(channel)
      if libssh2_channel_free(channel) == LibSSH2.eagain { return .wouldBlock }
      context.channelClosed()
      return .finished
    }
  }

  /// What one close or wait_closed call leaves to do: nil when the call is done, failed or
  /// not, with the connection still there.
  private static func pending(_ rc: Int32, _ context: SessionContext) -> Advance? {
    if rc == LibSSH2.eagain { return .wouldBlock }
    if rc != 0, LibSSH2.isConnectionError(rc) {
      return .connectionLost(LibSSH2.lastError(context.session).message)
    }
    return nil
  }
}
