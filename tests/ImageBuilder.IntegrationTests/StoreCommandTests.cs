using System.Diagnostics;
using System.Security.Cryptography;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>The store through the CLI: images, tag, rmi, prune, reproducible imports, a killed import.</summary>
public sealed class StoreCommandTests : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-it-");

    public void Dispose() => dir.Dispose();

    [RootFact]
    public async Task Tag_images_rmi_and_prune_work_together()
    {
        var store = dir.Combine("store");
        var id = (await Tools.Ibuild("--root", store, "import", await BusyboxRootfs.PathAsync(), "-t", "app:1")).Ok().Stdout.Trim();
        (await Tools.Ibuild("tag", "--root", store, "app:1", "localhost:5000/team/app:latest")).Ok();

        var images = (await Tools.Ibuild("--root", store, "images")).Ok().Stdout;
        Assert.Contains("app", images);
        Assert.Contains("localhost:5000/team/app", images);
        Assert.Equal(2, images.Split('\n').Count(l => l.Contains(id["sha256:".Length..][..12])));

        Assert.Contains("Untagged: app:1", (await Tools.Ibuild("--root", store, "rmi", "app:1")).Ok().Stdout);
        var nothing = (await Tools.Ibuild("--root", store, "prune")).Ok().Stdout;
        Assert.Contains("0 blob(s)", nothing);

        var deleted = (await Tools.Ibuild("--root", store, "rmi", id[7..19])).Ok().Stdout;
        Assert.Contains($"Deleted: {id}", deleted);
        var pruned = (await Tools.Ibuild("--root", store, "prune")).Ok().Stdout;
        Assert.Contains("3 blob(s), 1 snapshot(s)", pruned);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(store, "blobs", "sha256")));
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(store, "ibuild", "snapshots")));
    }

    [RootFact]
    public async Task Rmi_by_id_needs_force_when_the_image_has_several_names_and_carries_on_after_errors()
    {
        var store = dir.Combine("store");
        var id = (await Tools.Ibuild("--root", store, "import", await BusyboxRootfs.PathAsync(), "-t", "a:1")).Ok().Stdout.Trim();
        (await Tools.Ibuild("--root", store, "tag", "a:1", "b:1")).Ok();

        var refused = await Tools.Ibuild("--root", store, "rmi", "nope:1", id);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("no image \"nope:1\"", refused.Stderr);
        Assert.Contains("has 2 names", refused.Stderr);

        var forced = (await Tools.Ibuild("--root", store, "rmi", "-f", id)).Ok().Stdout;
        Assert.Contains("Untagged: a:1", forced);
        Assert.Contains("Untagged: b:1", forced);
        Assert.Contains($"Deleted: {id}", forced);
    }

    [RootFact]
    public async Task Load_reads_standard_input_and_rejects_what_is_not_an_archive_in_one_line()
    {
        var store = dir.Combine("store");
        (await Tools.Ibuild("--root", store, "import", await BusyboxRootfs.PathAsync(), "-t", "piped:1")).Ok();
        var archive = dir.Combine("piped.tar");
        (await Tools.Ibuild("--root", store, "save", "-o", archive, "piped:1")).Ok();

        var info = Tools.IbuildProcess("--root", dir.Combine("store2"), "load");
        info.RedirectStandardInput = true;
        using (var process = Process.Start(info)!)
        {
            await using (var stdin = process.StandardInput.BaseStream)
            await using (var file = File.OpenRead(archive))
            {
                await file.CopyToAsync(stdin);
            }

            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.Equal(0, process.ExitCode);
            Assert.Contains("Loaded image: piped:1", output);
        }

        var junk = await Tools.Ibuild("--root", store, "load", "-i", "/etc/hostname");
        Assert.Equal(1, junk.ExitCode);
        Assert.StartsWith("ibuild: ", junk.Stderr);
        Assert.DoesNotContain("internal error", junk.Stderr);
    }

    [RootFact]
    public async Task Save_writes_through_a_symlink_instead_of_replacing_it()
    {
        var store = dir.Combine("store");
        (await Tools.Ibuild("--root", store, "import", await BusyboxRootfs.PathAsync(), "-t", "linked:1")).Ok();
        var real = dir.Combine("real.tar");
        var link = dir.Combine("link.tar");
        File.WriteAllText(real, "");
        File.CreateSymbolicLink(link, real);

        (await Tools.Ibuild("--root", store, "save", "-o", link, "linked:1")).Ok();

        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.True(new FileInfo(real).Length > 1000);
    }

    [RootFact]
    public async Task Unknown_image_is_one_clear_error()
    {
        var result = await Tools.Ibuild("--root", dir.Combine("store"), "inspect", "nope:1");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("ibuild: no image \"nope:1\"", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    [RootFact]
    public async Task Import_with_source_date_epoch_gives_the_same_image_in_two_fresh_stores()
    {
        var ids = new List<string>();
        var archives = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var store = dir.Combine($"store{i}");
            var info = Tools.IbuildProcess("--root", store, "import", await BusyboxRootfs.PathAsync(), "-t", "repro:1");
            info.Environment["SOURCE_DATE_EPOCH"] = "1700000000";
            using var process = Process.Start(info)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.Equal(0, process.ExitCode);
            ids.Add(output.Trim());
            var archive = dir.Combine($"repro{i}.tar");
            (await Tools.Ibuild("--root", store, "save", "-o", archive, "repro:1")).Ok();
            archives.Add(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(archive))));
        }

        Assert.Equal(ids[0], ids[1]);
        Assert.Equal(archives[0], archives[1]);
    }

    [RootFact]
    public async Task Killing_an_import_midway_leaves_a_consistent_store()
    {
        var store = dir.Combine("store");
        var big = dir.Combine("big.tar");
        // A tarball of random data, large enough that the import is still running when killed.
        var content = dir.Combine("content");
        Directory.CreateDirectory(content);
        await using (var file = File.Create(Path.Combine(content, "random.bin")))
        {
            var buffer = new byte[1 << 20];
            for (var i = 0; i < 300; i++)
            {
                Random.Shared.NextBytes(buffer);
                await file.WriteAsync(buffer);
            }
        }

        (await Tools.Run("tar", "-cf", big, "-C", content, ".")).Ok();
        using (var process = Process.Start(Tools.IbuildProcess("--root", store, "import", big, "-t", "big:1"))!)
        {
            var scratch = Path.Combine(store, "ibuild", "tmp");
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!(Directory.Exists(scratch) && Directory.EnumerateFileSystemEntries(scratch).Any()) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        // The store still works, holds no partial blob, and a second import succeeds.
        (await Tools.Ibuild("--root", store, "images")).Ok();
        foreach (var blob in Directory.EnumerateFiles(Path.Combine(store, "blobs", "sha256")))
        {
            Assert.Equal(Path.GetFileName(blob), Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(blob))));
        }

        var id = (await Tools.Ibuild("--root", store, "import", big, "-t", "big:1")).Ok().Stdout.Trim();
        Assert.Contains("big", (await Tools.Ibuild("--root", store, "images")).Ok().Stdout);
        Assert.StartsWith("sha256:", id);
        Assert.Empty(StoreScratch.Leftovers(store));
    }
}
