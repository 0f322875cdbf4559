using System.Security.Cryptography;
using System.Text;

namespace ImageBuilder.Core.Oci;

/// <summary>
/// Chain ids name a stack of layers: the first layer's chain id is its diffID, each next
/// one is sha256 of "&lt;parent chain id&gt; &lt;diffID&gt;" (OCI image spec, config.md).
/// </summary>
public static class ChainId
{
    public static Digest Next(Digest? parent, Digest diffId) =>
        parent is not { } p ? diffId : Digest.Sha256(Encoding.ASCII.GetBytes($"{p} {diffId}"));

    /// <summary>The chain id of every prefix of <paramref name="diffIds"/>.</summary>
    public static IReadOnlyList<Digest> All(IEnumerable<Digest> diffIds)
    {
        var result = new List<Digest>();
        Digest? parent = null;
        foreach (var diffId in diffIds)
        {
            parent = Next(parent, diffId);
            result.Add(parent.Value);
        }

        return result;
    }
}
