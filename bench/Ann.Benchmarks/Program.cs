using RecSys.Ann.Benchmarks;

try
{
    var options = BenchOptions.Parse(args);
    AnnBenchmark.Run(options, Console.Out);
    return 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}
