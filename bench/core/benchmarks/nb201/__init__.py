"""NAS-Bench-201 (Dong & Yang, ICLR 2020): the cell space, its network and its ground-truth sources."""
