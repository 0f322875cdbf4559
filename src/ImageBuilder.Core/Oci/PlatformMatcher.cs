namespace ImageBuilder.Core.Oci;

/// <summary>
/// Picks the manifest for a platform from an index, as containerd's matcher does: same os and
/// architecture; the variant asked for, else (for arm) the best older variant the machine also
/// runs; linux/arm64 and linux/arm64/v8 are the same, as are amd64 and amd64/v1. Attestation
/// entries (<c>unknown/unknown</c>) never match.
/// </summary>
public static class PlatformMatcher
{
    /// <summary>Whether an image made for <paramref name="offered"/> serves <paramref name="wanted"/> (an image whose config names no architecture serves any).</summary>
    public static bool Serves(Platform offered, Platform wanted)
    {
        ArgumentNullException.ThrowIfNull(offered);
        return offered.Architecture.Length == 0 || Select(new ImageIndex
        {
            Manifests = [new Descriptor { MediaType = MediaTypes.OciManifest, Digest = Digest.Sha256([]), Size = 0, Platform = offered }],
        }, wanted) is not null;
    }

    public static Descriptor? Select(ImageIndex index, Platform platform)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(platform);
        var wanted = Normalize(platform);
        Descriptor? best = null;
        var bestRank = int.MaxValue;
        foreach (var entry in index.Manifests)
        {
            if (entry.Platform is not { } offered)
            {
                continue;
            }

            var candidate = Normalize(offered);
            if (candidate.Os != wanted.Os || candidate.Architecture != wanted.Architecture)
            {
                continue;
            }

            var rank = VariantRank(wanted.Architecture, wanted.Variant, candidate.Variant);
            if (rank < bestRank)
            {
                best = entry;
                bestRank = rank;
            }
        }

        return best;
    }

    /// <summary>0 for the variant asked for; n for the n-th older compatible one; int.MaxValue when it will not run.</summary>
    private static int VariantRank(string architecture, string wanted, string offered)
    {
        if (wanted == offered)
        {
            return 0;
        }

        if (architecture == "arm" && TryVersion(wanted, out var want) && TryVersion(offered, out var offer) && offer < want)
        {
            return want - offer;
        }

        if (architecture == "amd64" && TryVersion(wanted, out var level) && TryVersion(offered, out var other) && other < level)
        {
            return level - other;
        }

        return int.MaxValue;
    }

    private static bool TryVersion(string variant, out int version)
    {
        version = 0;
        return variant.StartsWith('v') && int.TryParse(variant.AsSpan(1), out version);
    }

    private static (string Os, string Architecture, string Variant) Normalize(Platform platform)
    {
        var parsed = Platform.TryParse($"{platform.Os}/{platform.Architecture}" + (string.IsNullOrEmpty(platform.Variant) ? "" : $"/{platform.Variant}"), out var p)
            ? p
            : platform;
        var variant = (p?.Variant ?? platform.Variant ?? "").ToLowerInvariant();
        variant = (parsed.Architecture, variant) switch
        {
            ("arm64", "") => "v8",
            ("amd64", "") => "v1",
            ("arm", "") => "v7",
            _ => variant,
        };
        return (parsed.Os.ToLowerInvariant(), parsed.Architecture, variant);
    }
}
