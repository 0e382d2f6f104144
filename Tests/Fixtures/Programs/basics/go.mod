module basics

go 1.21
