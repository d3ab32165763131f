using Orleans.Monitor.Silo.Hosting;

return await SiloProcess.RunAsync(args);
