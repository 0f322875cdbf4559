namespace ImageBuilder.IntegrationTests.Reference;

/// <summary>
/// Builds the cases of testdata/reference with one ibuild — root's, in this process, or a
/// rootless user's (<see cref="Rootless.RootlessUser.Ibuild"/>) — into one store, and reads
/// the image back as an <see cref="ImageDescription"/> (saved as a docker archive, unpacked
/// by skopeo + umoci), so that any two builders' images compare the same way.
/// </summary>
/// <param name="ibuild">Runs an ibuild command line.</param>
/// <param name="store">The store every command of this builder uses (<c>--root</c>).</param>
/// <param name="newScratch">A fresh directory this ibuild may write (the saved archive goes there).</param>
internal sealed class IbuildReferenceBuilder(Func<string[], Task<Tools.Result>> ibuild, string store, Func<string> newScratch)
{
    /// <summary>Imports the busybox root filesystem as <c>box:1</c>, the base of every case.</summary>
    public async Task ImportBaseAsync(string rootfsTarball) =>
        (await ibuild(["--root", store, "import", rootfsTarball, "-t", "box:1"])).Ok();

    /// <summary>Builds <paramref name="context"/> as <paramref name="tag"/>, with the case's options and Dockerfile.</summary>
    public async Task BuildAsync(string context, string tag, IReadOnlyList<string> options, string? dockerfile = null)
    {
        string[] file = dockerfile is null ? [] : ["-f", Path.Combine(context, dockerfile)];
        (await ibuild(["--root", store, "build", "--progress", "plain", "-t", tag, .. file, .. options, context])).Ok();
    }

    /// <summary>Builds a case (its parent first, when it has one) from its copy in <paramref name="context"/>, and reads the image.</summary>
    public async Task<ImageDescription> BuildCaseAsync(ReferenceCase testCase, string context)
    {
        if (testCase.HasParent)
        {
            await BuildAsync(Path.Combine(context, "parent"), testCase.ParentTag, []);
        }

        var tag = $"ref-{testCase.Name}:1";
        await BuildAsync(context, tag, testCase.Options);
        return await ReadAsync(tag);
    }

    /// <summary>Saves <paramref name="tag"/> as a docker archive and reads it as the reference tests do.</summary>
    public async Task<ImageDescription> ReadAsync(string tag)
    {
        var scratch = newScratch();
        var archive = Path.Combine(scratch, "image.tar");
        (await ibuild(["--root", store, "save", "-o", archive, tag])).Ok();
        return await ImageDescription.ReadAsync(archive, scratch);
    }
}
