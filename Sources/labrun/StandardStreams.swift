import Foundation
import LabPipeline

/// Writes bytes to standard output unchanged (the page is data: `labrun report > page.md`).
enum StandardOutput {
  static func write(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
  }

  static func write(_ data: Data) {
    FileHandle.standardOutput.write(data)
  }
}

/// Writes a message to standard error.
enum StandardError {
  static func write(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
  }
}
