using System.Text;

namespace RecSys.Models.Data;

/// <summary>Splits one delimited line into fields, honouring RFC 4180 quotes ("a, b" and "" for a quote).</summary>
internal static class CsvFields
{
    /// <summary>The fields, or null with a reason when the quoting is broken.</summary>
    public static List<string>? Split(string line, char delimiter, out string? problem)
    {
        problem = null;
        var fields = new List<string>();
        if (line.IndexOf('"', StringComparison.Ordinal) < 0)
        {
            fields.AddRange(line.Split(delimiter));
            return fields;
        }

        var field = new StringBuilder();
        var i = 0;
        while (true)
        {
            field.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        problem = "a quoted field is not closed (fields spanning lines are not supported)";
                        return null;
                    }
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    field.Append(line[i++]);
                }
                if (i < line.Length && line[i] != delimiter)
                {
                    problem = $"unexpected character after a closing quote at column {i + 1}";
                    return null;
                }
            }
            else
            {
                while (i < line.Length && line[i] != delimiter)
                {
                    field.Append(line[i++]);
                }
            }
            fields.Add(field.ToString());
            if (i >= line.Length)
            {
                return fields;
            }
            i++; // the delimiter
        }
    }
}
