import Foundation

/// Splits one line into words the way a POSIX shell quotes them, without expanding anything:
/// `'…'` is literal, `"…"` keeps everything but `\"`, `\\`, `\$` and `` \` ``, a backslash
/// outside quotes takes the next character literally, and a `#` that begins a word starts a
/// comment. What a shell would expand or treat as an operator (`$`, `` ` ``, `;`, `|`, `&`,
/// `<`, `>`, `(`, `)`) unquoted is refused rather than taken literally, so a line never means
/// something other than what a shell would read.
struct ShellWordLexer {
  /// One word and the 1-based column (in characters) where it starts.
  struct Word: Equatable {
    var text: String
    var column: Int
  }

  /// Why a line is not a sequence of shell words: the column and what to do.
  struct Failure: Error, Equatable {
    var column: Int
    var reason: String
  }

  private static let operators: Set<Character> = [";", "|", "&", "<", ">", "(", ")"]

  static func words(_ line: String) throws(Failure) -> [Word] {
    let characters = Array(line)
    var words: [Word] = []
    var current: String?
    var start = 0
    var index = 0
    func begin() {
      if current == nil {
        current = ""
        start = index + 1
      }
    }
    while index < characters.count {
      let character = characters[index]
      if character == " " || character == "\t" {
        if let text = current { words.append(Word(text: text, column: start)) }
        current = nil
        index += 1
        continue
      }
      if character == "#", current == nil { break }
      begin()
      switch character {
      case "'":
        guard let close = characters[(index + 1)...].firstIndex(of: "'") else {
          throw Failure(column: index + 1, reason: "a single quote is not closed on this line")
        }
        current? += String(characters[(index + 1)..<close])
        index = close + 1
      case "\"":
        index = try doubleQuoted(characters, from: index, into: &current)
      case "\\":
        guard index + 1 < characters.count else {
          throw Failure(
            column: index + 1, reason: "a backslash ends the line; each host is one line (no continuation)")
        }
        current?.append(characters[index + 1])
        index += 2
      case "$", "`":
        throw Failure(
          column: index + 1,
          reason: "'\(character)' would be expanded by a shell and labrun expands nothing; "
            + "quote the value with single quotes")
      default:
        if operators.contains(character) {
          throw Failure(
            column: index + 1,
            reason: "'\(character)' is a shell operator; quote the value with single quotes to keep it")
        }
        current?.append(character)
        index += 1
      }
    }
    if let text = current { words.append(Word(text: text, column: start)) }
    return words
  }

  /// Reads `"…"` starting at `open`; returns the index after the closing quote.
  private static func doubleQuoted(
    _ characters: [Character], from open: Int, into current: inout String?
  ) throws(Failure) -> Int {
    var index = open + 1
    while index < characters.count {
      let character = characters[index]
      switch character {
      case "\"":
        return index + 1
      case "\\":
        if index + 1 < characters.count, "\"\\$`".contains(characters[index + 1]) {
          current?.append(characters[index + 1])
          index += 2
        } else {
          current?.append(character)
          index += 1
        }
      case "$", "`":
        throw Failure(
          column: index + 1,
          reason: "'\(character)' inside double quotes would be expanded by a shell and labrun "
            + "expands nothing; use single quotes, or \\\(character)")
      default:
        current?.append(character)
        index += 1
      }
    }
    throw Failure(column: open + 1, reason: "a double quote is not closed on this line")
  }
}
