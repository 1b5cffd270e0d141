import Foundation
import LabPipeline

/// The labs compiled into labrun: every lab under labs/ at build time, with all its files.
///
/// `encoded` is written by the EmbedLabs build-tool plugin (Plugins/EmbedLabs says why a
/// plugin), so an installed labrun, copied anywhere alone, still has its labs; `--lab NAME`
/// prefers a copy in `$LABRUN_LABS` or `./labs` (``LabLocator``).
public enum BuiltInLabs {
  /// Every built-in lab, by name.
  public static let all: [EmbeddedLab] = {
    var files: [String: [String: String]] = [:]
    for entry in encoded {
      // The plugin writes base64 it made itself; bytes that do not decode would be a build bug.
      let data = Data(base64Encoded: entry.base64) ?? Data()
      files[entry.lab, default: [:]][entry.path] = String(decoding: data, as: UTF8.self)
    }
    return files.keys.sorted().map { EmbeddedLab(name: $0, files: files[$0] ?? [:]) }
  }()

  /// The built-in lab called `name`.
  public static func named(_ name: String) -> EmbeddedLab? {
    all.first { $0.name == name }
  }

  /// `labrun labs export NAME DIR`: writes the built-in lab `name` into `directory`.
  /// - Throws: ``LabExportError`` (an unknown name lists the built-in ones).
  public static func export(_ name: String, to directory: URL) throws -> [URL] {
    guard let lab = named(name) else { throw LabExportError.notBuiltIn(name: name, known: all.map(\.name)) }
    return try lab.export(to: directory)
  }
}
