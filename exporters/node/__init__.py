"""The node exporter: one per node, reporting the machine's CPU, memory, disks, filesystems,
network and kernel counters with node_exporter's metric names, labels, types and units.

``config`` holds what is read once at start-up, ``collector`` the collector contract and the
scrape that runs every collector with per-collector success and duration, ``collectors`` one
module per subsystem and the explicit registry of them, ``main`` the command.
"""
