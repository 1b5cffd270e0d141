import Foundation

/// One line of transcript.jsonl: a command a step ran on the target (already redacted).
public struct TranscriptEntry: Sendable, Hashable, Codable {
  public var step: String
  public var command: String
  public var start: Date
  public var end: Date
  /// The command's exit status; nil when the transport failed (timeout, lost connection).
  public var exitStatus: Int32?
  public var bytesOut: Int
  public var bytesErr: Int
  /// The transport error, when there is no exit status.
  public var error: String?
  /// The cluster node the command ran on; absent for the target itself (the server).
  public var node: String?

  enum CodingKeys: String, CodingKey {
    case step, command, start, end, error, node
    case exitStatus = "exit_status"
    case bytesOut = "bytes_out"
    case bytesErr = "bytes_err"
  }
}
