output "vpc_id" {
  description = "VPC id."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "VPC CIDR block."
  value       = aws_vpc.this.cidr_block
}

output "private_subnet_ids" {
  description = "Subnets of the EKS nodes and pods."
  value       = aws_subnet.private[*].id
}

output "public_subnet_ids" {
  description = "Subnets of the NAT gateways and public load balancers."
  value       = aws_subnet.public[*].id
}

output "data_subnet_ids" {
  description = "Isolated subnets of RDS, ElastiCache and MSK."
  value       = aws_subnet.data[*].id
}

output "data_subnets_cidr" {
  description = "One CIDR covering every data subnet (the chart's NetworkPolicy egress)."
  value       = cidrsubnet(var.cidr, 6, 25)
}
