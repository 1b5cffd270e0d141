import ArgumentParser
import Foundation
import LabPipeline
import Labs
import Remote
import Targets

extension Labrun {
  /// `labrun ping`: the user's connectivity check.
  struct Ping: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Connect to a host, run a read-only fact probe, and print what it found.",
      discussion: """
        Connects exactly as `labrun up` would (ssh_config, jump hosts, host-key check,
        authentication), runs one read-only probe (OS, kernel, arch, sudo, nvidia-smi) and
        prints it with the host key fingerprint. Changes nothing on the host.

        With --resolve, prints what labrun would use for the host (from `ssh -G` when OpenSSH's
        ssh is installed, else labrun's own ssh_config parser), connects to nothing and looks no
        name up: a Host block without HostName resolves to the alias itself, as ssh says.

        Exit status:
          0    connected and probed (or resolved)
          2    --host names an unknown simulated card (sim:PROFILE)
          3    the host could not be reached or resolved, its key was refused, or
               authentication failed (the reason is printed on one line)
          64   invalid command line (e.g. a malformed --host)
        """)

    /// Where to connect and how.
    @OptionGroup var target: TargetArguments

    /// Machine-readable output for scripts.
    @Flag(name: .long, help: "Print the facts as JSON on stdout.")
    var json = false

    /// Shows the ssh_config resolution without connecting.
    @Flag(
      name: .long,
      help:
        "Print how the host resolves (host name, user, port, keys, known_hosts, jump hosts, ProxyCommand); connect to nothing."
    )
    var resolve = false

    func validate() throws {
      guard let host = target.host, !host.isEmpty else {
        throw ValidationError("--host is required: an ssh_config alias, user@host[:port] or local")
      }
    }

    func run() async throws {
      let session = LabSession()
      do {
        guard !resolve else { return Terminal.output(try await session.resolution(target, json: json)) }
        let report = try await PingReport.probe(try await session.openTransport(target))
        Terminal.output(json ? try report.json() : report.text)
      } catch {
        throw Self.failure(error, session)
      }
    }

    /// Says `error` on one line and returns the exit status to throw, from the one mapping
    /// (``LabrunExit/status(for:)``): 64 for a malformed --host, 2 for an unknown simulated
    /// card, 3 for a target that cannot be reached or whose answer is unusable.
    static func failure(_ error: any Error, _ session: LabSession) -> any Error {
      if error is ExitCode || error is ValidationError || error is CleanExit { return error }
      Terminal.note("labrun: error: " + oneLine(error), redactor: session.redactor)
      return ExitCode(LabrunExit.status(for: error))
    }

    static func oneLine(_ error: any Error) -> String {
      return String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
    }
  }
}
