import Foundation

/// Greedy CTC decoding of a recognition model's per-step class probabilities: the best class at each step, repeats
/// merged, blanks (class 0) dropped. Keeps, for each character, the step it came from and its probability, which
/// place the characters along the line.
struct CTCDecoder {
    /// Index → character; index 0 is the blank, the last is the space PP-OCR appends to its dictionary.
    let characters: [String]

    /// PP-OCR's dictionary as stored in the model's `character` metadata (one character per line, split as
    /// Python's `splitlines` does), with the blank in front and a space at the end.
    init(dictionary: String) {
        var lines: [String] = []
        var current = ""
        var previousCR = false
        for scalar in dictionary.unicodeScalars {
            if scalar == "\n" && previousCR { previousCR = false; continue }
            previousCR = scalar == "\r"
            if ["\n", "\r", "\u{0B}", "\u{0C}", "\u{1C}", "\u{1D}", "\u{1E}", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar) {
                lines.append(current)
                current = ""
            } else {
                current.unicodeScalars.append(scalar)
            }
        }
        if !current.isEmpty { lines.append(current) }
        characters = ["blank"] + lines + [" "]
    }

    struct Decoded {
        var text: String
        /// Mean probability of the kept steps (0 when nothing was read).
        var confidence: Float
        /// For each character of `text`: its step and probability.
        var steps: [(step: Int, probability: Float)]
        var stepCount: Int
    }

    /// Decodes `steps` rows of `classes` probabilities starting at `offset` in `probabilities`.
    func decode(_ probabilities: UnsafeBufferPointer<Float>, offset: Int, steps: Int, classes: Int) -> Decoded {
        var text = "", kept: [(step: Int, probability: Float)] = [], sum: Float = 0, tokens = 0
        var previous = -1
        for t in 0..<steps {
            let row = offset + t * classes
            var best = 0, bestValue = -Float.infinity
            for c in 0..<classes where probabilities[row + c] > bestValue {
                bestValue = probabilities[row + c]
                best = c
            }
            defer { previous = best }
            guard best != 0, best != previous, best < characters.count else { continue }
            let character = characters[best]
            text += character
            sum += bestValue
            tokens += 1
            for _ in character.unicodeScalars { kept.append((t, bestValue)) }
        }
        let confidence = tokens == 0 ? 0 : sum / Float(tokens)
        return Decoded(text: text, confidence: confidence, steps: kept, stepCount: steps)
    }
}
