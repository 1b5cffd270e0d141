import Foundation
import TestSupport
import Testing

@testable import Remote

@Suite struct SSHConfigTests {
  static let text = """
    # global defaults come last in ssh's first-value-wins order unless placed first
    Host gpu-*  !gpu-bad
      User ubuntu
      Port 2222
      IdentityFile ~/.ssh/gpu_%h
      IdentitiesOnly yes

    Host gpu-vm
      HostName 203.0.113.7
      User ignored-because-first-wins
      ForwardAgent yes

    Host="quoted name"
      HostName 198.51.100.9

    Match host gpu-vm
      User never-used

    Host *
      User fallback
      IdentityFile ~/.ssh/id_extra
    """

  @Test func firstValueWinsAcrossMatchingBlocks() throws {
    let resolved = try Self.resolve(Self.text, host: "gpu-vm")
    #expect(resolved.hostName == "203.0.113.7")
    #expect(resolved.user == "ubuntu")
    #expect(resolved.port == 2222)
    #expect(resolved.identitiesOnly)
    #expect(resolved.identityFiles == ["~/.ssh/gpu_%h", "~/.ssh/id_extra"])
  }

  @Test func negatedPatternExcludesAHost() throws {
    let resolved = try Self.resolve(Self.text, host: "gpu-bad")
    #expect(resolved.hostName == "gpu-bad")
    #expect(resolved.user == "fallback")
    #expect(resolved.port == 22)
    #expect(!resolved.identitiesOnly)
  }

  /// `labrun`'s parser over `text`, for `host`, as a user `me` with home `/home/me`.
  static func resolve(_ text: String, host: String) throws -> SSHHostOptions {
    try SSHConfig(text: text, path: "test", home: "/home/me").resolve(
      host: host, user: nil, port: nil, localUser: "me", home: "/home/me", environment: [:])
  }

  @Test func quotedAndEqualsFormsParse() throws {
    #expect(SSHConfig.splitKeyword("Host=\"quoted name\"")?.0 == "host")
    #expect(
      SSHConfig.splitKeyword("Host=\"quoted name\"").flatMap { SSHConfig.argumentWords($0.1) } == [
        "quoted name"
      ])
    #expect(
      SSHConfig.splitKeyword("  Port = 22 # trailing comment").flatMap { SSHConfig.argumentWords($0.1) } == [
        "22"
      ])
    #expect(SSHConfig.splitKeyword("# only a comment") == nil)
    #expect(SSHConfig.argumentWords(#"a\ b 'c d' "e'f" g\"h"#) == ["a b", "c d", "e'f", "g\"h"])
    #expect(SSHConfig.argumentWords("\"open") == nil)
  }

  @Test(arguments: [
    ("gpu-*", "gpu-vm", true), ("gpu-?m", "gpu-vm", true), ("*.example.com", "a.example.com", true),
    ("*.example.com", "example.com", false), ("GPU-VM", "gpu-vm", true), ("a*b*c", "axxbyyc", true),
  ])
  func wildcards(pattern: String, host: String, matches: Bool) {
    #expect(SSHConfig.wildcardMatch(pattern, host) == matches)
  }

  @Test func includeIsFollowedRelativeToDotSSH() throws {
    let temporary = try TemporaryDirectory(prefix: "labrun-ssh-config")
    defer { temporary.remove() }
    let home = temporary.url
    let ssh = home.appendingPathComponent(".ssh/conf.d")
    try FileManager.default.createDirectory(at: ssh, withIntermediateDirectories: true)
    try "Host lab\n  HostName 192.0.2.44\n  Port 2200\n".write(
      to: ssh.appendingPathComponent("lab.conf"), atomically: true, encoding: .utf8)
    let config = try SSHConfig(text: "Include conf.d/*.conf\n", path: "main", home: home.path)
    let resolved = try config.resolve(
      host: "lab", user: nil, port: nil, localUser: "me", home: home.path, environment: [:])
    #expect(resolved.hostName == "192.0.2.44")
    #expect(resolved.port == 2200)
  }

  @Test(
    arguments: [
      ("gpu-vm", nil, "gpu-vm", nil), ("ubuntu@203.0.113.7", "ubuntu", "203.0.113.7", nil),
      ("root@10.0.0.5:2222", "root", "10.0.0.5", 2222), ("me@[2001:db8::1]:22", "me", "2001:db8::1", 22),
      ("[::1]", nil, "::1", nil),
    ] as [(String, String?, String, Int?)])
  func hostSpecs(text: String, user: String?, host: String, port: Int?) throws {
    let spec = try SSHTransportFactory.HostSpec(parsing: text)
    #expect(spec.user == user)
    #expect(spec.host == host)
    #expect(spec.port == port)
  }

  @Test(arguments: ["", "@host", "host:0", "host:99999", "a b", "$(touch x)", "h;rm", "[::1"])
  func badHostSpecsAreRefused(text: String) {
    #expect(throws: SSHError.self) { try SSHTransportFactory.HostSpec(parsing: text) }
  }

  @Test func hostKeyPreferencePutsKnownTypesFirst() {
    #expect(SSHTransport.hostKeyPreference(known: []) == nil)
    let preference = SSHTransport.hostKeyPreference(known: ["ssh-rsa"]) ?? ""
    #expect(preference.hasPrefix("rsa-sha2-512,rsa-sha2-256,ssh-rsa,ssh-ed25519"))
  }
}
