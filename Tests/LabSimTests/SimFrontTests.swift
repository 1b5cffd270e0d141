import Foundation
import LabPipeline
import TestSupport
import Testing

@testable import LabSim

/// The passthrough commands' fronts (``SimulatedHost/front(_:directory:)``), run by /bin/sh as
/// the host runs them: one of the host's own paths reaches labrun (linked under tools/), any
/// other the real program, with every argument as given.
@Suite struct SimFrontTests {
  @Test(arguments: SimulatedHost.frontedCommands)
  func aHostPathReachesLabrunAndAnyOtherTheRealProgram(name: String) async throws {
    let scratch = try TemporaryDirectory()
    defer { scratch.remove() }
    let host = scratch.appending("host with space").path
    // Written by a shell of their own: a file this multi-threaded process writes can be held
    // open by a child another test forks meanwhile, and exec then fails (text file busy).
    var script = ""
    for (folder, answer) in [("tools", "labrun"), ("real", "real")] {
      let stand = ShellQuote.quote(host + "/" + folder + "/" + name)
      script += "mkdir -p \(ShellQuote.quote(host + "/" + folder)) && "
      script +=
        "printf '%s\\n' '#!/bin/sh' \(ShellQuote.quote("printf '\(answer):%s|' \"$@\"")) > \(stand) && "
      script += "chmod 755 \(stand) && "
    }
    let written = await SpawnedProcess.completed(["/bin/sh", "-c", script + "true"])
    #expect(written.status == 0, "\(written.output)")
    let front = scratch.appending("front").path
    try Data((SimulatedHost.front(name, directory: host) + "\n").utf8).write(to: URL(fileURLWithPath: front))
    for prefix in SimTool.virtualPrefixes {
      let arguments = ["-q", "a b", prefix + "x"]
      let result = await SpawnedProcess.completed(["/bin/sh", front] + arguments)
      #expect(result.output == "labrun:-q|labrun:a b|labrun:\(prefix)x|", "\(prefix): \(result.output)")
    }
    for arguments in [["-f", "/tmp/labrun-x/out"], ["relative/etc/x", "/home/etc/x"], []] {
      let result = await SpawnedProcess.completed(["/bin/sh", front] + arguments)
      let expected = arguments.isEmpty ? "real:|" : arguments.map { "real:\($0)|" }.joined()
      #expect(result.output == expected, "\(arguments): \(result.output)")
    }
  }

  /// sudo's front runs the command from bin/ with sudo's options dropped, and leaves to labrun
  /// what it has something to say about: the host's sudo wants a password, a missing command.
  @Test func sudosFrontRunsTheCommandOrLeavesItToLabrun() async throws {
    let scratch = try TemporaryDirectory()
    defer { scratch.remove() }
    let host = scratch.appending("host").path
    let setup = [
      "mkdir -p \(host)/tools \(host)/bin",
      "printf '%s\\n' '#!/bin/sh' \(ShellQuote.quote("printf 'labrun:%s|' \"$@\"")) > \(host)/tools/sudo",
      "printf '%s\\n' '#!/bin/sh' \(ShellQuote.quote("printf 'cmd:%s|' \"$@\"")) > \(host)/bin/cmd",
      "chmod 755 \(host)/tools/sudo \(host)/bin/cmd",
    ]
    let written = await SpawnedProcess.completed(["/bin/sh", "-c", setup.joined(separator: " && ")])
    #expect(written.status == 0, "\(written.output)")
    let front = scratch.appending("sudo").path
    try Data((SimulatedHost.sudoFront(directory: host) + "\n").utf8).write(to: URL(fileURLWithPath: front))
    func sudo(_ arguments: [String]) async -> String {
      await SpawnedProcess.completed(["/bin/sh", front] + arguments).output
    }
    #expect(await sudo(["-n", "cmd", "-x", "a b"]) == "cmd:-x|cmd:a b|")
    #expect(await sudo(["-n", "missing", "x"]) == "labrun:missing|labrun:x|")
    #expect(await sudo(["-n"]) == "labrun:|")
    try Data("sudo-password\n".utf8).write(to: URL(fileURLWithPath: host + "/scenario"))
    #expect(await sudo(["-n", "cmd"]) == "labrun:-n|labrun:cmd|")
  }
}
