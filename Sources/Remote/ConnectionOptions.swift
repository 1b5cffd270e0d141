import Foundation
import LabPipeline

/// How to reach a `--host`: the options `labrun ping`, `up` and `run` share.
public struct ConnectionOptions: Sendable {
  /// `-F FILE`: the ssh_config to read instead of `~/.ssh/config`.
  public var sshConfigFile: String?
  /// `--identity KEY`: a private key tried before the defaults.
  public var identityFile: String?
  /// `--accept-new-host-key`: trust an unknown host key and remember it in labrun's file.
  public var acceptNewHostKey: Bool
  /// labrun's state directory (its known_hosts lives there).
  public var state: StateDirectory
  /// The environment (HOME, SSH_AUTH_SOCK, LABRUN_KEY_PASSPHRASE).
  public var environment: [String: String]
  /// Asks the person at the terminal for a key's passphrase (nil: no terminal).
  public var askPassphrase: (@Sendable (String) -> String?)?

  public init(
    sshConfigFile: String? = nil, identityFile: String? = nil, acceptNewHostKey: Bool = false,
    state: StateDirectory = StateDirectory(),
    environment: [String: String] = ProcessInfo.processInfo.environment,
    askPassphrase: (@Sendable (String) -> String?)? = nil
  ) {
    self.askPassphrase = askPassphrase
    self.sshConfigFile = sshConfigFile
    self.identityFile = identityFile
    self.acceptNewHostKey = acceptNewHostKey
    self.state = state
    self.environment = environment
  }
}
