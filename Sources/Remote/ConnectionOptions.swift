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
  /// OpenSSH's `ssh`, asked (`ssh -G`) how ssh_config resolves a host; nil: labrun's own parser.
  /// Found on `PATH`; `LABRUN_SSH` names another, and `LABRUN_SSH=` (empty) turns it off.
  public var openSSH: String?
  /// How long stopping a timed-out or cancelled command may take at each stage.
  public var stopBounds = StopBounds.standard

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
    self.openSSH = Self.findOpenSSH(environment)
  }

  /// `LABRUN_SSH` if set (empty: none), else the first executable `ssh` on `PATH`.
  static func findOpenSSH(_ environment: [String: String]) -> String? {
    if let chosen = environment["LABRUN_SSH"] { return chosen.isEmpty ? nil : chosen }
    let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in path.split(separator: ":") where !directory.isEmpty {
      let candidate = String(directory) + "/ssh"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }
}
