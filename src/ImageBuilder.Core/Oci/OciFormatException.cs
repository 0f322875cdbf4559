namespace ImageBuilder.Core.Oci;

/// <summary>
/// A manifest, index, config, descriptor or layout header that is not what the OCI
/// image-spec (or Docker's schema 2) allows: bad JSON, a wrong type, a missing field,
/// or a value a field may not take. It is the only exception <see cref="OciJson"/>
/// lets out for bad input, and it names the offending field as a JSON path.
/// </summary>
public sealed class OciFormatException : Exception
{
    public OciFormatException(string document, string field, string problem, Exception? innerException = null)
        : base($"invalid {document}: {field}: {problem}", innerException)
    {
        Document = document;
        Field = field;
        Problem = problem;
    }

    /// <summary>What was being read or written, e.g. "image manifest".</summary>
    public string Document { get; }

    /// <summary>The JSON path of the offending field, e.g. <c>$.layers[2].digest</c>; <c>$</c> for the whole document.</summary>
    public string Field { get; }

    /// <summary>What is wrong with the field, without the path.</summary>
    public string Problem { get; }
}
