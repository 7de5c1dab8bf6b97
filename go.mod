module github.com/kdyn/kdyn

go 1.26.0
