using System.Text;

namespace ImageBuilder.Dockerfile.Tests.Ignore;

/// <summary>
/// One vendored table of testdata/conformance/moby-patternmatcher (see its
/// README.txt): a header line, then tab-separated rows of C-escaped cells.
/// </summary>
internal sealed class ConformanceTable
{
    private ConformanceTable(string name, IReadOnlyList<string> header, IReadOnlyList<ConformanceRow> rows)
    {
        Name = name;
        Header = header;
        Rows = rows;
    }

    public string Name { get; }

    public IReadOnlyList<string> Header { get; }

    public IReadOnlyList<ConformanceRow> Rows { get; }

    public static ConformanceTable Load(string fileName)
    {
        var path = TestData.Path("conformance", "moby-patternmatcher", fileName);
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split('\t');
        var rows = new List<ConformanceRow>();
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            var cells = lines[i].Split('\t').Select(Unescape).ToArray();
            if (cells.Length != header.Length)
            {
                throw new InvalidDataException($"{fileName}:{i + 1}: {cells.Length} cells, header has {header.Length}");
            }

            rows.Add(new ConformanceRow(i + 1, cells, header));
        }

        return new ConformanceTable(fileName, header, rows);
    }

    /// <summary>Undoes the C escaping of a cell: \\ \t \n \r.</summary>
    public static string Unescape(string cell)
    {
        if (!cell.Contains('\\'))
        {
            return cell;
        }

        var text = new StringBuilder(cell.Length);
        for (var i = 0; i < cell.Length; i++)
        {
            if (cell[i] != '\\')
            {
                text.Append(cell[i]);
                continue;
            }

            if (++i == cell.Length)
            {
                throw new InvalidDataException($"dangling escape in cell {cell}");
            }

            text.Append(cell[i] switch
            {
                '\\' => '\\',
                't' => '\t',
                'n' => '\n',
                'r' => '\r',
                _ => throw new InvalidDataException($"unknown escape \\{cell[i]} in cell {cell}"),
            });
        }

        return text.ToString();
    }
}

/// <summary>One data row; <see cref="Line"/> is its 1-based line in the file.</summary>
internal sealed class ConformanceRow(int line, string[] cells, IReadOnlyList<string> header)
{
    public int Line { get; } = line;

    public string this[string column] => cells[IndexOf(column)];

    private int IndexOf(string column)
    {
        for (var i = 0; i < header.Count; i++)
        {
            if (header[i] == column)
            {
                return i;
            }
        }

        throw new KeyNotFoundException($"no column {column}");
    }
}
