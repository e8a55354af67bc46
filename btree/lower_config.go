package btree

// useSIMD selects the assembly head search where the CPU has it.
const useSIMD = true
