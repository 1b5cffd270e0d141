import Foundation

/// What ssh_config says about one host, in the form `ssh -G` prints it: HostName, User and
/// Port final; IdentityFile and ProxyCommand as written (expanded only when used);
/// UserKnownHostsFile and IdentityAgent expanded. Produced by ``OpenSSHConfigResolver`` (from
/// `ssh -G`) or by labrun's own ``SSHConfig`` parser, then turned into a connection plan by
/// ``SSHHostResolver``.
struct SSHHostOptions: Sendable, Hashable {
  /// The host name to connect to: HostName with `%h` expanded, lower-cased unless an address.
  var hostName: String
  var user: String
  var port: Int
  /// IdentityFile lines as written; empty when the configuration sets none.
  var identityFiles: [String] = []
  var identitiesOnly = false
  /// UserKnownHostsFile, expanded; nil when the configuration does not set it, empty for `none`.
  var userKnownHostsFiles: [String]?
  /// GlobalKnownHostsFile, expanded; nil when not set, empty for `none`.
  var globalKnownHostsFiles: [String]?
  /// IdentityAgent: a socket path, `SSH_AUTH_SOCK`, `$VAR` or `none`; nil when not set.
  var identityAgent: String?
  /// HostKeyAlias, lower-cased as ssh does.
  var hostKeyAlias: String?
  /// ConnectTimeout in seconds; nil for none.
  var connectTimeout: Int?
  /// ServerAliveInterval in seconds; nil or 0 when not set.
  var serverAliveInterval: Int?
  /// ServerAliveCountMax (ssh's default is 3).
  var serverAliveCountMax = 3
  /// AddressFamily: `any`, `inet` or `inet6`.
  var addressFamily = "any"
  /// ProxyJump hops; nil when unset or `none`.
  var proxyJump: [SSHJumpHop]?
  /// ProxyCommand as written (tokens unexpanded); nil when unset or `none`.
  var proxyCommand: String?
  /// Options that change where or how to connect and that labrun cannot honour, with the
  /// value the configuration gives them (e.g. `("BindAddress", "10.0.0.2")`).
  var unsupported: [UnsupportedOption] = []

  /// An option labrun refuses rather than ignore.
  struct UnsupportedOption: Sendable, Hashable {
    var name: String
    var value: String
  }
}
