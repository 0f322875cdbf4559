using System.IO.Abstractions;
using System.IO.Abstractions.TestingHelpers;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Application.Tests;

/// <summary>Opening the store: what the service asks of the machine.</summary>
public sealed class StoreServiceTests : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-app-store-");
    private readonly RecordingMachine machine = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void Opening_a_store_on_disk_asks_for_each_tree_of_its_scratch_to_be_placed_on_its_own_every_time()
    {
        var stores = new ApplicationServices(new FileSystem(), machine, () => Stream.Null).Stores;

        stores.Open(dir.Combine("store"));
        stores.Open(dir.Combine("store"));

        var scratch = dir.Combine("store", "ibuild", "tmp");
        Assert.Equal([scratch, scratch], machine.SpreadDirectories);
    }

    [Fact]
    public void A_store_on_a_mock_file_system_asks_nothing_of_the_disk()
    {
        new ApplicationServices(new MockFileSystem(), machine, () => Stream.Null).Stores.Open("/store");

        Assert.Empty(machine.SpreadDirectories);
    }
}
