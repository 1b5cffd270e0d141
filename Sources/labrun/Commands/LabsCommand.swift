import ArgumentParser
import Foundation
import LabPipeline
import Labs

extension Labrun {
  struct LabsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "labs",
      abstract: "List the labs labrun knows, or write a built-in lab out to edit.",
      discussion: """
        `--lab NAME` looks NAME up in each directory of $LABRUN_LABS, then in ./labs, then among \
        the labs built into labrun, and uses the first it finds; `labrun labs` lists them in \
        that order.
        """,
      subcommands: [List.self, Export.self],
      defaultSubcommand: List.self)
  }
}

extension Labrun.LabsCommand {
  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List every lab found ($LABRUN_LABS, ./labs) and built in, one line each.")

    func run() throws {
      Terminal.output(LabListing.table(LabListing.all(LabSession().labLocator)))
    }
  }

  struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a built-in lab's files (lab.yaml, manifests, probes) into a directory.",
      discussion: """
        The files can then be edited and run with `--lab DIRECTORY`. Nothing is overwritten: \
        labrun refuses if one of the lab's files already exists there.
        """)

    /// A built-in lab's name, as `labrun labs` lists it.
    @Argument(help: ArgumentHelp("The built-in lab to export (see `labrun labs`).", valueName: "name"))
    var name: String

    /// Created when missing; must not hold any of the lab's files yet.
    @Argument(help: ArgumentHelp("The directory to write the lab into.", valueName: "directory"))
    var directory: String

    func run() throws {
      let session = LabSession()
      do {
        let written = try BuiltInLabs.export(name, to: URL(fileURLWithPath: directory, isDirectory: true))
        Terminal.output(written.map { $0.path + "\n" }.joined())
        Terminal.note(
          "exported the built-in lab \(name) (\(written.count) files); run it with --lab \(directory)",
          redactor: session.redactor)
      } catch {
        throw session.failure(error)
      }
    }
  }
}
