module generator

go 1.21
